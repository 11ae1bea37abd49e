/**
 * One seed derivation for the whole package: every random stream of a run
 * (the learner, each env and its bots, evaluations, the embedded server) is
 * named, and its seed is a hash of the run's one base seed and that name:
 *
 *     deriveSeed(1, 'env', 3)         // env 3 of a run with --seed 1
 *     deriveSeed(1, 'eval', 25_000)   // the evaluation at step 25,000
 *
 * Streams never overlap by accident the way `seed * 1000 + i` ones do (seed 1
 * env 1000 = seed 2 env 0), and adding a stream does not shift the others.
 * The hash is FNV-1a over the parts (separated so that ('ab', 'c') differs
 * from ('a', 'bc')) with a final avalanche step: an integer from 0 to
2^31 - 1, stable across
 * versions of this package, so recorded seeds stay reproducible.
 */
export function deriveSeed(base: number | string, ...streams: Array<number | string>): number {
  let h = 0x811c9dc5;
  for (const part of [base, ...streams]) {
    const text = `${part}\u0000`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  // murmur3's finalizer: nearby inputs give unrelated outputs.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  // 31 bits: APIs that take an int32 seed (tfjs initializers, the learners' checks) accept every derived seed.
  return h >>> 1;
}
