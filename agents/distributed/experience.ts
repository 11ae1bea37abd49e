/**
 * Experience in compact binary: a batch of transitions (and the episodes it
 * ends) packed into one Buffer, as actors send it to the learner over IPC
 * (`train --actors`) and on a Redis Stream (`train --queue`). Numbers travel
 * as Float32 and Int32 arrays, masks and done flags as bytes; only the
 * episodes' outcome labels are text.
 */
import type { TransitionBatch } from '../agent.ts';
import type { EpisodeEnd } from '../training/trainer.ts';
import { GameGymError } from '../../src/core/errors.ts';

const MAGIC = 0x31584747; // "GGX1"
const HEADER = 7 * 4;

/** A decoded batch: the transitions, the episodes they end, and the policy version that chose the actions. */
export interface Experience {
  version: number;
  batch: TransitionBatch;
  ends: EpisodeEnd[];
}

/** Packs a batch of transitions (observations of length `o`, masks of `a` actions) acted with policy `version`. */
export function packExperience(e: Experience, o: number, a: number): Buffer {
  const n = e.batch.actions.length;
  const labels = Buffer.from(e.ends.map((x) => x.outcome).join('\n'), 'utf8');
  const floats = new Float32Array(n * (1 + 2 * o) + 2 * e.ends.length);
  const ints = new Int32Array(2 * n);
  const bytes = new Uint8Array(n * (1 + 2 * a));
  let f = 0;
  for (let k = 0; k < n; k++) {
    ints[k] = e.batch.envIds[k] as number;
    ints[n + k] = e.batch.actions[k] as number;
    floats[f++] = e.batch.rewards[k] as number;
    bytes[k] = (e.batch.terminated[k] ? 1 : 0) | (e.batch.truncated[k] ? 2 : 0);
    bytes.set(e.batch.masks[k] as Uint8Array, n + k * a);
    bytes.set(e.batch.nextMasks[k] as Uint8Array, n + n * a + k * a);
  }
  for (let k = 0; k < n; k++, f += o) floats.set(e.batch.observations[k] as Float32Array, f);
  for (let k = 0; k < n; k++, f += o) floats.set(e.batch.nextObservations[k] as Float32Array, f);
  for (const end of e.ends) {
    floats[f++] = end.return;
    floats[f++] = end.length;
  }
  const header = new Int32Array([MAGIC, e.version, n, o, a, e.ends.length, labels.length]);
  return Buffer.concat([Buffer.from(header.buffer), Buffer.from(floats.buffer), Buffer.from(ints.buffer), Buffer.from(bytes.buffer), labels]);
}

/** Unpacks `packExperience`'s Buffer; throws when it is not one, or not for observations of length `o` and `a` actions. */
export function unpackExperience(buffer: Uint8Array, o: number, a: number): Experience {
  // A copy: typed-array views need aligned offsets, and a Buffer from a pool or a socket has none to promise.
  const copy = new Uint8Array(buffer).buffer;
  const header = buffer.byteLength >= HEADER ? new Int32Array(copy, 0, 7) : undefined;
  if (!header || header[0] !== MAGIC) throw new GameGymError('E_EXPERIENCE', 'Not an experience batch (bad header)');
  const [, version, n, bo, ba, episodes, labelBytes] = Array.from(header) as [number, number, number, number, number, number, number];
  if (bo !== o || ba !== a)
    throw new GameGymError('E_EXPERIENCE', `Experience for observations of length ${bo} and ${ba} actions, expected ${o} and ${a}: the actor plays another game or agent`);
  const nf = n * (1 + 2 * o) + 2 * episodes;
  const floats = new Float32Array(copy, HEADER, nf);
  const ints = new Int32Array(copy, HEADER + nf * 4, 2 * n);
  const bytes = new Uint8Array(copy, HEADER + nf * 4 + 8 * n, n * (1 + 2 * a));
  const labels = Buffer.from(copy, HEADER + nf * 4 + 8 * n + n * (1 + 2 * a), labelBytes).toString('utf8');
  const batch: TransitionBatch = { envIds: [], observations: [], masks: [], actions: [], rewards: [], nextObservations: [], nextMasks: [], terminated: [], truncated: [] };
  for (let k = 0; k < n; k++) {
    batch.envIds.push(ints[k] as number);
    batch.actions.push(ints[n + k] as number);
    batch.rewards.push(floats[k] as number);
    batch.terminated.push(((bytes[k] as number) & 1) !== 0);
    batch.truncated.push(((bytes[k] as number) & 2) !== 0);
    batch.masks.push(bytes.subarray(n + k * a, n + (k + 1) * a));
    batch.nextMasks.push(bytes.subarray(n + n * a + k * a, n + n * a + (k + 1) * a));
    batch.observations.push(floats.subarray(n + k * o, n + (k + 1) * o));
    batch.nextObservations.push(floats.subarray(n + n * o + k * o, n + n * o + (k + 1) * o));
  }
  const outcomes = episodes ? labels.split('\n') : [];
  const base = n * (1 + 2 * o);
  const ends = outcomes.map((outcome, i) => ({ return: floats[base + 2 * i] as number, length: floats[base + 2 * i + 1] as number, outcome }));
  return { version, batch, ends };
}

const WEIGHTS_MAGIC = 0x31574747; // "GGW1"

/** Packs published weights (version, exploration count, arrays) into one Buffer, for a plain Redis key. */
export function packWeights(w: { version: number; state: { weights: Float32Array[]; transitions: number } }): Buffer {
  const head = new Int32Array([WEIGHTS_MAGIC, w.version, w.state.transitions, w.state.weights.length, ...w.state.weights.map((x) => x.length)]);
  return Buffer.concat([Buffer.from(head.buffer), ...w.state.weights.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength))]);
}

/** Unpacks `packWeights`' Buffer. */
export function unpackWeights(buffer: Uint8Array): { version: number; state: { weights: Float32Array[]; transitions: number } } {
  const copy = new Uint8Array(buffer).buffer;
  const head = new Int32Array(copy, 0, Math.min(4, Math.floor(buffer.byteLength / 4)));
  if (head[0] !== WEIGHTS_MAGIC) throw new GameGymError('E_EXPERIENCE', 'Not a weights record (bad header)');
  const count = head[3] as number;
  const lengths = new Int32Array(copy, 16, count);
  let offset = 16 + 4 * count;
  const weights = Array.from(lengths, (n) => {
    const w = new Float32Array(copy, offset, n);
    offset += 4 * n;
    return w;
  });
  return { version: head[1] as number, state: { weights, transitions: head[2] as number } };
}
