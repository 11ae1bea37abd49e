import { InvalidOptionError } from '../core/errors.ts';
import { SeededRng } from '../core/rng.ts';

/** A bound of a Box in JSON: a number, or "inf"/"-inf" for the unbounded sides (JSON has no Infinity). */
export type BoundJson = number | 'inf' | '-inf';

/** The plain JSON description of a space, as made by `toJSON()` and read by `spaceFromJSON()`. */
export type SpaceJson =
  | { type: 'Discrete'; n: number; start: number }
  | { type: 'MultiDiscrete'; nvec: number[] }
  | { type: 'MultiBinary'; n: number }
  | { type: 'Box'; shape: number[]; low: BoundJson | BoundJson[]; high: BoundJson | BoundJson[] }
  | { type: 'Dict'; spaces: { [key: string]: SpaceJson } }
  | { type: 'Json' };

/** Options of `sample()`: `mask` restricts the choice where the space supports it; `rng` replaces the space's own generator. */
export interface SampleOptions<M> {
  mask?: M;
  rng?: SeededRng;
}

/**
 * A set of values an environment observes or accepts, like Gymnasium's
 * `gymnasium.spaces.Space`. `T` is the value type, `M` the type of the
 * sampling mask.
 */
export interface Space<T, M = unknown> {
  readonly kind: 'discrete' | 'multi-discrete' | 'multi-binary' | 'box' | 'dict' | 'json';
  /** Whether `x` is an element of the space. */
  contains(x: unknown): x is T;
  /** A random element; `mask` restricts the choice where the space supports it; `rng` defaults to the space's own seeded generator. */
  sample(options?: SampleOptions<M>): T;
  /** Reseeds the space's own generator (like Gymnasium's space.seed). */
  seed(seed: number | string): void;
  /** Plain JSON description, e.g. {"type":"Discrete","n":9,"start":0}. */
  toJSON(): SpaceJson;
  /** The shape of an element: [] for Discrete (a scalar) and for Dict (no shape). */
  readonly shape: readonly number[];
}

/** A mask of 0s and 1s (Discrete, one dimension of MultiDiscrete) or of 0s, 1s and 2s (MultiBinary). */
export type MaskArray = Uint8Array | readonly number[];

/** The seed used when a space is constructed without one, so runs are reproducible. */
export const DEFAULT_SPACE_SEED = 0;

/**
 * The integers `start`, ..., `start + n - 1`, like Gymnasium's `Discrete`.
 * A mask is an array of n 0/1 values; sampling picks uniformly among the
 * indices i with mask[i] === 1 and returns `start + i`; an all-zero mask
 * returns `start` (as Gymnasium 1.x does). n is at most 2^32 (the
 * generator draws 32 bits at a time).
 */
export class Discrete implements Space<number, MaskArray> {
  readonly kind = 'discrete';
  readonly shape: readonly number[] = [];
  readonly n: number;
  readonly start: number;
  private rng: SeededRng;

  constructor(n: number, options: { start?: number; seed?: number | string } = {}) {
    const start = options.start ?? 0;
    checkPositiveInt('n', n, 2 ** 32);
    if (!Number.isSafeInteger(start)) {
      throw new InvalidOptionError(`Expected start to be an integer, got ${show(start)}`);
    }
    if (!Number.isSafeInteger(start + n - 1)) {
      throw new InvalidOptionError(`Expected start + n - 1 to be a safe integer, got ${start + n - 1}`);
    }
    this.n = n;
    this.start = start;
    this.rng = new SeededRng(options.seed ?? DEFAULT_SPACE_SEED);
  }

  contains(x: unknown): x is number {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }

  sample(options: SampleOptions<MaskArray> = {}): number {
    const rng = options.rng ?? this.rng;
    if (options.mask === undefined) return this.start + rng.int(0, this.n - 1);
    const allowed = allowedIndices(options.mask, this.n, 'mask');
    if (allowed.length === 0) return this.start;
    return this.start + pick(allowed, rng);
  }

  seed(seed: number | string): void {
    this.rng = new SeededRng(seed);
  }

  toJSON(): SpaceJson {
    return { type: 'Discrete', n: this.n, start: this.start };
  }
}

/**
 * A vector of integers with x[i] in [0, nvec[i]), like Gymnasium's
 * `MultiDiscrete` (one-dimensional, start 0). Elements are Int32Arrays;
 * `contains` also accepts number arrays. A mask holds one 0/1 array per
 * dimension; an all-zero dimension yields 0 there.
 */
export class MultiDiscrete implements Space<Int32Array, readonly MaskArray[]> {
  readonly kind = 'multi-discrete';
  readonly shape: readonly number[];
  readonly nvec: readonly number[];
  private rng: SeededRng;

  constructor(nvec: readonly number[], options: { seed?: number | string } = {}) {
    if (!Array.isArray(nvec)) {
      throw new InvalidOptionError(`Expected nvec to be an array of positive integers, got ${show(nvec)}`);
    }
    nvec.forEach((n, i) => checkPositiveInt(`nvec[${i}]`, n, 2 ** 31));
    this.nvec = [...nvec];
    this.shape = [nvec.length];
    this.rng = new SeededRng(options.seed ?? DEFAULT_SPACE_SEED);
  }

  contains(x: unknown): x is Int32Array {
    if (!(x instanceof Int32Array) && !Array.isArray(x)) return false;
    if (x.length !== this.nvec.length) return false;
    for (let i = 0; i < this.nvec.length; i++) {
      const v: unknown = x[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= (this.nvec[i] as number)) return false;
    }
    return true;
  }

  sample(options: SampleOptions<readonly MaskArray[]> = {}): Int32Array {
    const rng = options.rng ?? this.rng;
    const { mask } = options;
    const out = new Int32Array(this.nvec.length);
    if (mask !== undefined) checkLength('mask', mask, this.nvec.length);
    for (let i = 0; i < this.nvec.length; i++) {
      const n = this.nvec[i] as number;
      const dimMask = mask?.[i];
      if (dimMask === undefined) {
        out[i] = rng.int(0, n - 1);
      } else {
        const allowed = allowedIndices(dimMask, n, `mask[${i}]`);
        out[i] = allowed.length === 0 ? 0 : pick(allowed, rng);
      }
    }
    return out;
  }

  seed(seed: number | string): void {
    this.rng = new SeededRng(seed);
  }

  toJSON(): SpaceJson {
    return { type: 'MultiDiscrete', nvec: [...this.nvec] };
  }
}

/**
 * n values of 0 or 1, like Gymnasium's `MultiBinary`. Elements are
 * Uint8Arrays; `contains` also accepts number arrays. A mask holds, per
 * element, 0 (force 0), 1 (force 1) or 2 (random).
 */
export class MultiBinary implements Space<Uint8Array, MaskArray> {
  readonly kind = 'multi-binary';
  readonly shape: readonly number[];
  readonly n: number;
  private rng: SeededRng;

  constructor(n: number, options: { seed?: number | string } = {}) {
    checkPositiveInt('n', n, 2 ** 32 - 1);
    this.n = n;
    this.shape = [n];
    this.rng = new SeededRng(options.seed ?? DEFAULT_SPACE_SEED);
  }

  contains(x: unknown): x is Uint8Array {
    if (!(x instanceof Uint8Array) && !Array.isArray(x)) return false;
    if (x.length !== this.n) return false;
    for (let i = 0; i < this.n; i++) {
      const v: unknown = x[i];
      if (v !== 0 && v !== 1) return false;
    }
    return true;
  }

  sample(options: SampleOptions<MaskArray> = {}): Uint8Array {
    const rng = options.rng ?? this.rng;
    const { mask } = options;
    if (mask !== undefined) checkLength('mask', mask, this.n);
    const out = new Uint8Array(this.n);
    for (let i = 0; i < this.n; i++) {
      const m = mask === undefined ? 2 : mask[i];
      if (m === 0 || m === 1) {
        out[i] = m;
      } else if (m === 2) {
        out[i] = rng.int(0, 1);
      } else {
        throw new InvalidOptionError(`Expected mask values to be 0, 1 or 2, got ${show(m)} at index ${i}`);
      }
    }
    return out;
  }

  seed(seed: number | string): void {
    this.rng = new SeededRng(seed);
  }

  toJSON(): SpaceJson {
    return { type: 'MultiBinary', n: this.n };
  }
}

/**
 * A box of float32 vectors with low[i] <= x[i] <= high[i], like Gymnasium's
 * `Box` (float32 only). Values are stored flat (row-major) in Float32Arrays
 * of prod(shape) elements; low and high are a number for every element or
 * one per element, -Infinity/Infinity for unbounded sides, and are rounded
 * to float32. Sampling is uniform in [low, high] where both sides are
 * bounded, normal(0, 1) where neither is, and a shifted exponential where
 * only one is. `contains` accepts Float32Arrays and number arrays; NaN is
 * never contained. Box does not support masks.
 */
export class Box implements Space<Float32Array, undefined> {
  readonly kind = 'box';
  readonly shape: readonly number[];
  /** Lower bounds, one per element (do not modify). */
  readonly low: Float32Array;
  /** Upper bounds, one per element (do not modify). */
  readonly high: Float32Array;
  private rng: SeededRng;

  constructor(low: number | readonly number[], high: number | readonly number[], shape: readonly number[], options: { seed?: number | string } = {}) {
    if (!Array.isArray(shape)) {
      throw new InvalidOptionError(`Expected shape to be an array of non-negative integers, got ${show(shape)}`);
    }
    shape.forEach((d, i) => {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
        throw new InvalidOptionError(`Expected shape[${i}] to be a non-negative integer, got ${show(d)}`);
      }
    });
    const size = shape.reduce((a, b) => a * b, 1);
    this.shape = [...shape];
    this.low = toBounds('low', low, size, shape);
    this.high = toBounds('high', high, size, shape);
    for (let i = 0; i < size; i++) {
      const lo = this.low[i] as number;
      const hi = this.high[i] as number;
      if (lo === Infinity) throw new InvalidOptionError(`Expected low to be less than Infinity at index ${i}`);
      if (hi === -Infinity) throw new InvalidOptionError(`Expected high to be greater than -Infinity at index ${i}`);
      if (lo > hi) throw new InvalidOptionError(`Expected low <= high at index ${i}, got low ${lo} and high ${hi}`);
    }
    this.rng = new SeededRng(options.seed ?? DEFAULT_SPACE_SEED);
  }

  contains(x: unknown): x is Float32Array {
    if (!(x instanceof Float32Array) && !Array.isArray(x)) return false;
    if (x.length !== this.low.length) return false;
    for (let i = 0; i < this.low.length; i++) {
      const v: unknown = x[i];
      if (typeof v !== 'number') return false;
      // Number arrays are compared as float32, as Gymnasium casts them to the Box's dtype.
      const f = Math.fround(v);
      if (!(f >= (this.low[i] as number) && f <= (this.high[i] as number))) return false;
    }
    return true;
  }

  sample(options: SampleOptions<undefined> = {}): Float32Array {
    if (options.mask !== undefined) throw new InvalidOptionError('Box does not support masked sampling');
    const rng = options.rng ?? this.rng;
    const out = new Float32Array(this.low.length);
    for (let i = 0; i < out.length; i++) {
      const lo = this.low[i] as number;
      const hi = this.high[i] as number;
      const loBounded = lo !== -Infinity;
      const hiBounded = hi !== Infinity;
      if (loBounded && hiBounded) {
        out[i] = Math.min(hi, Math.max(lo, lo + (hi - lo) * rng.next()));
      } else if (loBounded) {
        out[i] = lo + exponential(rng);
      } else if (hiBounded) {
        out[i] = hi - exponential(rng);
      } else {
        out[i] = normal(rng);
      }
    }
    return out;
  }

  seed(seed: number | string): void {
    this.rng = new SeededRng(seed);
  }

  toJSON(): SpaceJson {
    return { type: 'Box', shape: [...this.shape], low: boundsToJson(this.low), high: boundsToJson(this.high) };
  }
}

/**
 * A dictionary of named spaces, like Gymnasium's `Dict`. Keys are sorted (as
 * Gymnasium sorts them), which fixes the order of `flatten`. Elements are
 * plain objects with exactly the space's keys. A mask is an object of
 * per-key masks; keys left out are sampled unmasked. `seed(s)` seeds the
 * i-th child (in key order) with s + i for a number, `${s}/${i}` for a
 * string. The constructor seeds the children that way too (with
 * `options.seed`, default 0), so that default-seeded children do not
 * produce identical samples.
 */
export class Dict implements Space<Record<string, unknown>, Readonly<Record<string, unknown>>> {
  readonly kind = 'dict';
  readonly shape: readonly number[] = [];
  readonly spaces: Readonly<Record<string, Space<unknown>>>;
  private readonly keys: readonly string[];

  constructor(spaces: Readonly<Record<string, Space<unknown>>>, options: { seed?: number | string } = {}) {
    if (typeof spaces !== 'object' || spaces === null || Array.isArray(spaces)) {
      throw new InvalidOptionError(`Expected spaces to be an object of spaces, got ${show(spaces)}`);
    }
    const keys = Object.keys(spaces).sort();
    const sorted: Record<string, Space<unknown>> = {};
    for (const key of keys) {
      const space = spaces[key];
      if (!isSpace(space)) {
        throw new InvalidOptionError(`Expected spaces.${key} to be a space, got ${show(space)}`);
      }
      sorted[key] = space;
    }
    this.keys = keys;
    this.spaces = sorted;
    this.seed(options.seed ?? DEFAULT_SPACE_SEED);
  }

  contains(x: unknown): x is Record<string, unknown> {
    if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
    const record = x as Record<string, unknown>;
    if (Object.keys(record).length !== this.keys.length) return false;
    return this.keys.every((key) => Object.hasOwn(record, key) && this.child(key).contains(record[key]));
  }

  sample(options: SampleOptions<Readonly<Record<string, unknown>>> = {}): Record<string, unknown> {
    const { mask, rng } = options;
    if (mask !== undefined) {
      for (const key of Object.keys(mask)) {
        if (!Object.hasOwn(this.spaces, key)) {
          throw new InvalidOptionError(`Expected mask keys to be among ${this.keys.join(', ')}, got ${key}`);
        }
      }
    }
    const out: Record<string, unknown> = {};
    for (const key of this.keys) {
      const childMask = mask?.[key];
      out[key] = this.child(key).sample({
        ...(childMask === undefined ? {} : { mask: childMask }),
        ...(rng === undefined ? {} : { rng }),
      });
    }
    return out;
  }

  seed(seed: number | string): void {
    this.keys.forEach((key, i) => {
      this.child(key).seed(typeof seed === 'number' ? seed + i : `${seed}/${i}`);
    });
  }

  toJSON(): SpaceJson {
    const spaces: { [key: string]: SpaceJson } = {};
    for (const key of this.keys) spaces[key] = this.child(key).toJSON();
    return { type: 'Dict', spaces };
  }

  private child(key: string): Space<unknown> {
    const space = this.spaces[key];
    if (space === undefined) throw new InvalidOptionError(`Dict has no space ${key}`);
    return space;
  }
}

/** Rebuilds a space from its `toJSON()` description (the seed is not part of it). */
/**
 * Any JSON object: the space of a raw adapter, whose observations are the
 * server's state objects and whose actions are move arguments. It cannot be
 * sampled or flattened.
 */
export class JsonSpace<T extends object = Record<string, unknown>> implements Space<T, undefined> {
  readonly kind = 'json';
  readonly shape: readonly number[] = [];

  contains(x: unknown): x is T {
    return x !== null && typeof x === 'object' && !Array.isArray(x);
  }

  sample(): T {
    throw new InvalidOptionError('A JSON space cannot be sampled: a raw adapter has no action list');
  }

  seed(): void {}

  toJSON(): SpaceJson {
    return { type: 'Json' };
  }
}

export function spaceFromJSON(json: SpaceJson): Space<unknown> {
  if (typeof json !== 'object' || json === null) {
    throw new InvalidOptionError(`Expected a space description object, got ${show(json)}`);
  }
  switch (json.type) {
    case 'Discrete':
      return new Discrete(json.n, { start: json.start ?? 0 });
    case 'MultiDiscrete':
      return new MultiDiscrete(json.nvec);
    case 'MultiBinary':
      return new MultiBinary(json.n);
    case 'Box':
      return new Box(boundsFromJson('low', json.low), boundsFromJson('high', json.high), json.shape);
    case 'Dict': {
      if (typeof json.spaces !== 'object' || json.spaces === null || Array.isArray(json.spaces)) {
        throw new InvalidOptionError(`Expected spaces to be an object of space descriptions, got ${show(json.spaces)}`);
      }
      const spaces: Record<string, Space<unknown>> = {};
      for (const [key, child] of Object.entries(json.spaces)) spaces[key] = spaceFromJSON(child);
      return new Dict(spaces);
    }
    case 'Json':
      return new JsonSpace();
    default:
      throw new InvalidOptionError(`Expected type to be Discrete, MultiDiscrete, MultiBinary, Box or Dict, got ${show((json as { type: unknown }).type)}`);
  }
}

/** The length of `flatten(space, x)`: Discrete n, MultiDiscrete sum(nvec), MultiBinary n, Box prod(shape), Dict the sum of its children. */
export function flatDim(space: Space<unknown>): number {
  if (space instanceof Discrete) return space.n;
  if (space instanceof MultiDiscrete) return space.nvec.reduce((a, b) => a + b, 0);
  if (space instanceof MultiBinary) return space.n;
  if (space instanceof Box) return space.low.length;
  if (space instanceof Dict) return Object.values(space.spaces).reduce((sum, s) => sum + flatDim(s), 0);
  throw new InvalidOptionError(`Cannot flatten a space of kind ${show(space.kind)}`);
}

/**
 * Gymnasium's `flatten`: a Float32Array of `flatDim(space)` values. Discrete
 * becomes a one-hot vector, MultiDiscrete the concatenated one-hot vectors
 * of its dimensions, MultiBinary and Box their values, Dict the
 * concatenation of its children in key order. Throws InvalidOptionError if
 * `x` is not contained in the space.
 */
export function flatten<T>(space: Space<T>, x: T): Float32Array {
  const out = new Float32Array(flatDim(space));
  writeFlat(space, x, out, 0);
  return out;
}

function writeFlat(space: Space<unknown>, x: unknown, out: Float32Array, offset: number): number {
  if (!space.contains(x)) {
    throw new InvalidOptionError(`Expected a value contained in ${JSON.stringify(space.toJSON())}, got ${show(x)}`);
  }
  if (space instanceof Discrete) {
    out[offset + (x as number) - space.start] = 1;
    return offset + space.n;
  }
  if (space instanceof MultiDiscrete) {
    const values = x as ArrayLike<number>;
    space.nvec.forEach((n, i) => {
      out[offset + (values[i] as number)] = 1;
      offset += n;
    });
    return offset;
  }
  if (space instanceof MultiBinary || space instanceof Box) {
    const values = x as ArrayLike<number>;
    for (let i = 0; i < values.length; i++) out[offset + i] = values[i] as number;
    return offset + values.length;
  }
  if (space instanceof Dict) {
    const record = x as Record<string, unknown>;
    for (const [key, child] of Object.entries(space.spaces)) offset = writeFlat(child, record[key], out, offset);
    return offset;
  }
  throw new InvalidOptionError(`Cannot flatten a space of kind ${show(space.kind)}`);
}

function isSpace(value: unknown): value is Space<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Space<unknown>).contains === 'function' &&
    typeof (value as Space<unknown>).sample === 'function' &&
    typeof (value as Space<unknown>).seed === 'function' &&
    typeof (value as Space<unknown>).toJSON === 'function'
  );
}

function checkPositiveInt(name: string, value: unknown, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(`Expected ${name} to be a positive integer, got ${show(value)}`);
  }
  if (value > max) throw new InvalidOptionError(`Expected ${name} to be at most ${max}, got ${value}`);
}

function checkLength(name: string, value: unknown, length: number): void {
  if (!(value instanceof Uint8Array) && !Array.isArray(value)) {
    throw new InvalidOptionError(`Expected ${name} to be a Uint8Array or an array, got ${show(value)}`);
  }
  if (value.length !== length) {
    throw new InvalidOptionError(`Expected ${name} to have length ${length}, got ${value.length}`);
  }
}

/** The indices i with mask[i] === 1, after checking the mask is n values of 0 or 1. */
function allowedIndices(mask: MaskArray, n: number, name: string): number[] {
  checkLength(name, mask, n);
  const allowed: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = mask[i];
    if (m === 1) allowed.push(i);
    else if (m !== 0) throw new InvalidOptionError(`Expected ${name} values to be 0 or 1, got ${show(m)} at index ${i}`);
  }
  return allowed;
}

function pick(values: readonly number[], rng: SeededRng): number {
  return values[rng.int(0, values.length - 1)] as number;
}

/** A standard exponential draw (Gymnasium's half-bounded Box sampling). */
function exponential(rng: SeededRng): number {
  return -Math.log(1 - rng.next());
}

/** A standard normal draw (Box-Muller). */
function normal(rng: SeededRng): number {
  const u1 = 1 - rng.next(); // in (0, 1], so the log is finite
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function toBounds(name: string, value: unknown, size: number, shape: readonly number[]): Float32Array {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new InvalidOptionError(`Expected ${name} to be a number, got NaN`);
    return new Float32Array(size).fill(value);
  }
  if (!Array.isArray(value)) {
    throw new InvalidOptionError(`Expected ${name} to be a number or an array of numbers, got ${show(value)}`);
  }
  if (value.length !== size) {
    throw new InvalidOptionError(`Expected ${name} to have ${size} elements (shape [${shape.join(', ')}]), got ${value.length}`);
  }
  value.forEach((v: unknown, i) => {
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new InvalidOptionError(`Expected ${name} to be a number at index ${i}, got ${show(v)}`);
    }
  });
  return Float32Array.from(value as number[]);
}

function boundToJson(v: number): BoundJson {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return v;
}

/** One value when every element has the same bound, else one per element. */
function boundsToJson(bounds: Float32Array): BoundJson | BoundJson[] {
  const first = bounds[0];
  if (first !== undefined && bounds.every((v) => v === first)) return boundToJson(first);
  return Array.from(bounds, boundToJson);
}

function boundFromJson(name: string, v: unknown): number {
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (typeof v === 'number') return v;
  throw new InvalidOptionError(`Expected ${name} bounds to be numbers, "inf" or "-inf", got ${show(v)}`);
}

function boundsFromJson(name: string, v: unknown): number | number[] {
  return Array.isArray(v) ? v.map((b: unknown) => boundFromJson(name, b)) : boundFromJson(name, v);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  if (value instanceof Uint8Array || value instanceof Int32Array || value instanceof Float32Array) {
    return `${value.constructor.name} [${Array.from(value).join(', ')}]`;
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
