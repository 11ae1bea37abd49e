import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../core/errors.ts';
import { SeededRng } from '../core/rng.ts';
import { Box, Dict, Discrete, MultiBinary, MultiDiscrete, flatDim, flatten, spaceFromJSON, type Space, type SpaceJson } from './spaces.ts';

const DRAWS = 10_000;

function expectInvalid(fn: () => unknown, message: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InvalidOptionError);
  expect((caught as InvalidOptionError).code).toBe('E_INVALID_OPTION');
  expect((caught as InvalidOptionError).message).toBe(message);
}

function samples<T>(space: Space<T>, count: number, options?: Parameters<Space<T>['sample']>[0]): T[] {
  return Array.from({ length: count }, () => space.sample(options));
}

/** Pearson's chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

describe('Discrete', () => {
  it('contains integers in [start, start + n) only', () => {
    const space = new Discrete(3, { start: -1 });
    expect([-1, 0, 1].map((x) => space.contains(x))).toEqual([true, true, true]);
    for (const x of [-2, 2, 0.5, NaN, Infinity, '0', null, undefined, [0], 0n, new Uint8Array([0])]) {
      expect(space.contains(x), String(x)).toBe(false);
    }
    expect(space.shape).toEqual([]);
    expect(space.kind).toBe('discrete');
  });

  it('samples every value roughly uniformly', () => {
    const space = new Discrete(6, { start: 10, seed: 1 });
    const counts = [0, 0, 0, 0, 0, 0];
    let outside = 0;
    for (let i = 0; i < 60_000; i++) {
      const x = space.sample();
      if (space.contains(x)) counts[x - 10]! += 1;
      else outside += 1;
    }
    expect(outside).toBe(0);
    // 5 degrees of freedom: P(chi2 > 30) is about 1.5e-5.
    expect(chiSquare(counts)).toBeLessThan(30);
    expect(Math.min(...counts)).toBeGreaterThan(9_000);
  });

  it('never samples a masked-out value and covers every allowed one', () => {
    const space = new Discrete(9, { start: 1 });
    const mask = new Uint8Array([0, 1, 0, 0, 1, 1, 0, 0, 1]);
    const seen = new Set(samples(space, DRAWS, { mask }));
    expect([...seen].sort((a, b) => a - b)).toEqual([2, 5, 6, 9]);
    // Number arrays work as masks too; a single allowed value is always chosen.
    expect(new Set(samples(space, 100, { mask: [0, 0, 0, 0, 0, 0, 0, 1, 0] }))).toEqual(new Set([8]));
  });

  it('returns start for an all-zero mask, as Gymnasium does', () => {
    const space = new Discrete(4, { start: 7 });
    expect(samples(space, 50, { mask: new Uint8Array(4) })).toEqual(Array(50).fill(7));
  });

  it('rejects invalid masks', () => {
    const space = new Discrete(9);
    expectInvalid(() => space.sample({ mask: new Uint8Array(8) }), 'Expected mask to have length 9, got 8');
    expectInvalid(() => space.sample({ mask: [0, 1, 0, 2, 0, 0, 0, 0, 0] }), 'Expected mask values to be 0 or 1, got 2 at index 3');
  });

  it('rejects invalid constructor arguments', () => {
    expectInvalid(() => new Discrete(0), 'Expected n to be a positive integer, got 0');
    expectInvalid(() => new Discrete(2.5), 'Expected n to be a positive integer, got 2.5');
    expectInvalid(() => new Discrete(NaN), 'Expected n to be a positive integer, got NaN');
    expectInvalid(() => new Discrete(2, { start: 0.5 }), 'Expected start to be an integer, got 0.5');
  });
});

describe('MultiDiscrete', () => {
  const space = new MultiDiscrete([2, 3, 4]);

  it('contains integer vectors with 0 <= x[i] < nvec[i]', () => {
    expect(space.contains(new Int32Array([1, 2, 3]))).toBe(true);
    expect(space.contains([0, 0, 0])).toBe(true);
    for (const x of [
      [2, 0, 0],
      [0, 3, 0],
      [0, 0, -1],
      [0, 0.5, 0],
      [0, NaN, 0],
      [0, 0],
      [0, 0, 0, 0],
      ['0', 0, 0],
      new Uint8Array([0, 0, 0]),
      new Float32Array([0, 0, 0]),
      3,
      null,
    ]) {
      expect(space.contains(x), String(x)).toBe(false);
    }
    expect(space.shape).toEqual([3]);
  });

  it('samples in range and covers every value', () => {
    const seen = [new Set<number>(), new Set<number>(), new Set<number>()];
    const xs = samples(space, DRAWS);
    expect(xs.every((x) => x instanceof Int32Array && space.contains(x))).toBe(true);
    for (const x of xs) x.forEach((v, i) => seen[i]!.add(v));
    expect(seen.map((s) => s.size)).toEqual([2, 3, 4]);
  });

  it('respects per-dimension masks; an all-zero dimension yields 0', () => {
    const mask = [new Uint8Array([0, 1]), new Uint8Array([1, 0, 1]), new Uint8Array([0, 0, 0, 0])];
    const seen = [new Set<number>(), new Set<number>(), new Set<number>()];
    for (const x of samples(space, DRAWS, { mask })) x.forEach((v, i) => seen[i]!.add(v));
    expect([...seen[0]!]).toEqual([1]);
    expect([...seen[1]!].sort()).toEqual([0, 2]);
    expect([...seen[2]!]).toEqual([0]);
  });

  it('rejects invalid masks and constructor arguments', () => {
    expectInvalid(() => space.sample({ mask: [new Uint8Array(2)] }), 'Expected mask to have length 3, got 1');
    expectInvalid(() => space.sample({ mask: [new Uint8Array(2), new Uint8Array(2), new Uint8Array(4)] }), 'Expected mask[1] to have length 3, got 2');
    expectInvalid(() => new MultiDiscrete([2, 0, 3]), 'Expected nvec[1] to be a positive integer, got 0');
    expectInvalid(() => new MultiDiscrete([2, 2 ** 31 + 1]), 'Expected nvec[1] to be at most 2147483648, got 2147483649');
  });
});

describe('MultiBinary', () => {
  const space = new MultiBinary(4);

  it('contains vectors of n zeros and ones', () => {
    expect(space.contains(new Uint8Array([0, 1, 1, 0]))).toBe(true);
    expect(space.contains([1, 1, 1, 1])).toBe(true);
    for (const x of [[0, 1, 2, 0], [0, 1, 1], new Uint8Array(5), [0, 1, true, 0], [0, 1, NaN, 0], new Int32Array(4), 'abcd', undefined]) {
      expect(space.contains(x), String(x)).toBe(false);
    }
  });

  it('forces mask values 0 and 1 and randomises 2', () => {
    const mask = new Uint8Array([0, 1, 2, 2]);
    const seen = new Set<string>();
    for (const x of samples(space, DRAWS, { mask })) seen.add(x.join(''));
    expect([...seen].sort()).toEqual(['0100', '0101', '0110', '0111']);
  });

  it('rejects invalid masks and sizes', () => {
    expectInvalid(() => space.sample({ mask: [2, 2, 2] }), 'Expected mask to have length 4, got 3');
    expectInvalid(() => space.sample({ mask: [2, 2, 3, 2] }), 'Expected mask values to be 0, 1 or 2, got 3 at index 2');
    expectInvalid(() => new MultiBinary(-1), 'Expected n to be a positive integer, got -1');
  });
});

describe('Box', () => {
  it('contains vectors of the right length within the bounds (as float32), never NaN', () => {
    const space = new Box([0, -1, 0.1], [1, 1, 0.2], [3]);
    expect(space.contains(new Float32Array([0, -1, 0.1]))).toBe(true);
    expect(space.contains([1, 1, 0.2])).toBe(true);
    expect(space.contains([0.5, 0, 0.15])).toBe(true);
    for (const x of [[1.01, 0, 0.15], [0.5, -1.5, 0.15], [0.5, 0, NaN], [0.5, 0], [0.5, 0, 0.15, 0], new Float64Array([0.5, 0, 0.15]), [0.5, '0', 0.15], 0.5, null]) {
      expect(space.contains(x), String(x)).toBe(false);
    }
  });

  it('samples uniformly within bounded dimensions', () => {
    const space = new Box([-2, 10], [2, 10], [2], { seed: 3 });
    const buckets = [0, 0, 0, 0];
    const xs = samples(space, DRAWS);
    expect(xs.every((x) => space.contains(x) && x[1] === 10)).toBe(true);
    for (const x of xs) buckets[Math.min(3, Math.floor(x[0]! + 2))]! += 1;
    expect(chiSquare(buckets)).toBeLessThan(25);
  });

  it('samples normal, exponential and negated exponential values for unbounded sides', () => {
    const space = new Box([-Infinity, 5, -Infinity], [Infinity, Infinity, -5], [3]);
    const xs = samples(space, DRAWS);
    const mean = (i: number): number => xs.reduce((s, x) => s + x[i]!, 0) / xs.length;
    expect(xs.every((x) => space.contains(x))).toBe(true);
    expect(xs.some((x) => x[0]! < 0) && xs.some((x) => x[0]! > 0)).toBe(true);
    expect(Math.abs(mean(0))).toBeLessThan(0.05);
    const variance = xs.reduce((s, x) => s + x[0]! ** 2, 0) / xs.length;
    expect(Math.abs(variance - 1)).toBeLessThan(0.1);
    expect(Math.abs(mean(1) - 6)).toBeLessThan(0.05); // 5 + Exp(1)
    expect(Math.abs(mean(2) + 6)).toBeLessThan(0.05); // -5 - Exp(1)
  });

  it('stores prod(shape) float32 elements', () => {
    const space = new Box(0, 1, [2, 3]);
    expect(space.shape).toEqual([2, 3]);
    const x = space.sample();
    expect(x).toBeInstanceOf(Float32Array);
    expect(x.length).toBe(6);
    expect(new Box(0, 1, []).sample().length).toBe(1);
  });

  it('rejects invalid constructor arguments and masks', () => {
    expectInvalid(() => new Box([0, 0, 1], [1, 1, 0], [3]), 'Expected low <= high at index 2, got low 1 and high 0');
    expectInvalid(() => new Box([0, 0], 1, [3]), 'Expected low to have 3 elements (shape [3]), got 2');
    expectInvalid(() => new Box(0, [1, 1, 1, 1], [2, 3]), 'Expected high to have 6 elements (shape [2, 3]), got 4');
    expectInvalid(() => new Box(0, 1, [2, -1]), 'Expected shape[1] to be a non-negative integer, got -1');
    expectInvalid(() => new Box(NaN, 1, [2]), 'Expected low to be a number, got NaN');
    expectInvalid(() => new Box(Infinity, Infinity, [1]), 'Expected low to be less than Infinity at index 0');
    expectInvalid(() => new Box(0, 1, [2]).sample({ mask: 1 as never }), 'Box does not support masked sampling');
  });
});

describe('Dict', () => {
  const make = (seed?: number): Dict => new Dict({ pos: new Box(-1, 1, [2]), action: new Discrete(3), bits: new MultiBinary(2) }, seed === undefined ? {} : { seed });

  it('sorts keys and contains objects with exactly those keys, each contained', () => {
    const space = make();
    expect(Object.keys(space.spaces)).toEqual(['action', 'bits', 'pos']);
    const x = { action: 2, bits: [0, 1], pos: [0, 0.5] };
    expect(space.contains(x)).toBe(true);
    expect(space.contains({ ...x, action: 3 })).toBe(false);
    expect(space.contains({ ...x, pos: [0, NaN] })).toBe(false);
    expect(space.contains({ action: 2, bits: [0, 1] })).toBe(false);
    expect(space.contains({ ...x, extra: 1 })).toBe(false);
    expect(space.contains({ action: 2, bits: [0, 1], pos: [0, 0.5], extra: undefined })).toBe(false);
    expect(space.contains([2, [0, 1], [0, 0.5]])).toBe(false);
    expect(space.contains(null)).toBe(false);
    expect(space.contains(space.sample())).toBe(true);
  });

  it('passes per-key masks to the children', () => {
    const space = make();
    const mask = { action: new Uint8Array([1, 0, 1]), bits: new Uint8Array([1, 2]) };
    const xs = samples(space, DRAWS, { mask });
    expect([...new Set(xs.map((x) => x.action))].sort()).toEqual([0, 2]);
    expect([...new Set(xs.map((x) => (x.bits as Uint8Array).join('')))].sort()).toEqual(['10', '11']);
    expectInvalid(() => space.sample({ mask: { nope: new Uint8Array(1) } }), 'Expected mask keys to be among action, bits, pos, got nope');
  });

  it('seeds children differently so default-seeded children are not correlated', () => {
    const space = new Dict({ a: new Discrete(1000), b: new Discrete(1000) });
    const xs = samples(space, 100);
    expect(xs.filter((x) => x.a === x.b).length).toBeLessThan(5);
  });

  it('rejects values that are not spaces', () => {
    expectInvalid(() => new Dict({ a: 3 as unknown as Space<unknown> }), 'Expected spaces.a to be a space, got 3');
  });
});

describe('determinism', () => {
  const factories: [string, (seed?: number | string) => Space<unknown>][] = [
    ['Discrete', (seed) => new Discrete(100, seed === undefined ? {} : { seed })],
    ['MultiDiscrete', (seed) => new MultiDiscrete([5, 100, 7], seed === undefined ? {} : { seed })],
    ['MultiBinary', (seed) => new MultiBinary(32, seed === undefined ? {} : { seed })],
    ['Box', (seed) => new Box([0, -Infinity, 0], [1, Infinity, Infinity], [3], seed === undefined ? {} : { seed })],
    ['Dict', (seed) => new Dict({ a: new Discrete(100), b: new Box(0, 1, [2]) }, seed === undefined ? {} : { seed })],
  ];

  for (const [name, make] of factories) {
    it(`${name}: same seed gives the same sequence, a different seed a different one`, () => {
      const seq = (space: Space<unknown>): string => JSON.stringify(samples(space, 50).map(plain));
      expect(seq(make(42))).toBe(seq(make(42)));
      expect(seq(make('abc'))).toBe(seq(make('abc')));
      expect(seq(make(42))).not.toBe(seq(make(43)));
      expect(seq(make())).toBe(seq(make(0)));

      const reseeded = make(1);
      reseeded.sample();
      reseeded.seed(42);
      expect(seq(reseeded)).toBe(seq(make(42)));

      // An explicit rng is used instead of the space's own generator.
      const a = samples(make(1), 20, { rng: new SeededRng(9) }).map(plain);
      const b = samples(make(2), 20, { rng: new SeededRng(9) }).map(plain);
      expect(a).toEqual(b);
    });
  }
});

describe('toJSON and spaceFromJSON', () => {
  const spaces: Space<unknown>[] = [
    new Discrete(9),
    new Discrete(5, { start: -2 }),
    new MultiDiscrete([2, 3, 4]),
    new MultiBinary(7),
    new Box(0, 1, [27]),
    new Box([-Infinity, 0, 0.1], [Infinity, Infinity, 0.5], [3]),
    new Box(-1, Infinity, [2, 2]),
    new Dict({ z: new Discrete(2), a: new Dict({ inner: new Box(0, 1, [1]) }) }),
  ];

  it('round-trips every space', () => {
    for (const space of spaces) {
      const text = JSON.stringify(space);
      const back = spaceFromJSON(JSON.parse(text) as SpaceJson);
      expect(back.kind).toBe(space.kind);
      expect(JSON.stringify(back)).toBe(text);
      expect(back.shape).toEqual(space.shape);
    }
  });

  it('describes spaces as plain JSON', () => {
    expect(new Discrete(9).toJSON()).toEqual({ type: 'Discrete', n: 9, start: 0 });
    expect(JSON.stringify(new Box([-Infinity, 0], [1, 1], [2]))).toBe('{"type":"Box","shape":[2],"low":["-inf",0],"high":1}');
    expect(JSON.stringify(new Dict({ b: new MultiBinary(2), a: new MultiDiscrete([3]) }))).toBe(
      '{"type":"Dict","spaces":{"a":{"type":"MultiDiscrete","nvec":[3]},"b":{"type":"MultiBinary","n":2}}}',
    );
  });

  it('rejects unknown or invalid descriptions', () => {
    expectInvalid(() => spaceFromJSON({ type: 'Tuple' } as unknown as SpaceJson), 'Expected type to be Discrete, MultiDiscrete, MultiBinary, Box or Dict, got "Tuple"');
    expectInvalid(() => spaceFromJSON({ type: 'Discrete', n: 0, start: 0 }), 'Expected n to be a positive integer, got 0');
    expectInvalid(() => spaceFromJSON({ type: 'Box', shape: [1], low: 'nan', high: 1 } as unknown as SpaceJson), 'Expected low bounds to be numbers, "inf" or "-inf", got "nan"');
  });
});

describe('flatDim and flatten', () => {
  it('one-hot encodes Discrete relative to start', () => {
    const space = new Discrete(4, { start: 1 });
    expect(flatDim(space)).toBe(4);
    expect(Array.from(flatten(space, 3))).toEqual([0, 0, 1, 0]);
  });

  it('concatenates one-hot vectors for MultiDiscrete', () => {
    const space = new MultiDiscrete([2, 3]);
    expect(flatDim(space)).toBe(5);
    expect(Array.from(flatten(space, new Int32Array([1, 0])))).toEqual([0, 1, 1, 0, 0]);
  });

  it('copies MultiBinary and Box values', () => {
    expect(flatDim(new MultiBinary(3))).toBe(3);
    expect(Array.from(flatten(new MultiBinary(3), new Uint8Array([1, 0, 1])))).toEqual([1, 0, 1]);
    const box = new Box(-1, 1, [2, 2]);
    expect(flatDim(box)).toBe(4);
    const flat = flatten(box, new Float32Array([0.5, -0.5, 1, -1]));
    expect(flat).toBeInstanceOf(Float32Array);
    expect(Array.from(flat)).toEqual([0.5, -0.5, 1, -1]);
  });

  it('concatenates Dict children in sorted key order', () => {
    const space = new Dict({ b: new Box(0, 1, [2]), a: new Discrete(3) });
    expect(flatDim(space)).toBe(5);
    expect(Array.from(flatten(space, { b: [0.25, 0.75], a: 1 }))).toEqual([0, 1, 0, 0.25, 0.75]);
    expect(samples(space, 100).every((x) => flatten(space, x).length === 5)).toBe(true);
  });

  it('rejects values outside the space', () => {
    expectInvalid(() => flatten(new Discrete(3), 3), 'Expected a value contained in {"type":"Discrete","n":3,"start":0}, got 3');
  });
});

/** Typed arrays and objects of them as plain JSON-able values. */
function plain(x: unknown): unknown {
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  if (typeof x === 'object' && x !== null) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  }
  return x;
}
