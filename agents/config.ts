import { z } from 'zod';
import { InvalidOptionError } from '../src/core/errors.ts';

/**
 * One field of a learner's config schema: a value `ok` accepts, `fallback` when
 * absent, and `expected` (what the error says it should be: "a positive integer").
 */
export function field<T>(fallback: T | (() => T), expected: string, ok: (value: unknown) => boolean) {
  const schema = z.custom<T>((value) => ok(value));
  return (typeof fallback === 'function' ? schema.default(fallback as () => z.util.NoUndefined<T>) : schema.default(fallback as z.util.NoUndefined<T>)).describe(expected);
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);

/** Field makers for the common kinds of learner options. */
export const fields = {
  positiveInt: (fallback: number) => field<number>(fallback, 'a positive integer', (v) => Number.isSafeInteger(v) && (v as number) > 0),
  nonNegativeInt: (fallback: number) => field<number>(fallback, 'a non-negative integer', (v) => Number.isSafeInteger(v) && (v as number) >= 0),
  positiveNumber: (fallback: number) => field<number>(fallback, 'a positive number', (v) => isNumber(v) && Number.isFinite(v) && v > 0),
  nonNegativeNumber: (fallback: number) => field<number>(fallback, 'a non-negative number', (v) => isNumber(v) && Number.isFinite(v) && v >= 0),
  unit: (fallback: number) => field<number>(fallback, 'a number from 0 to 1', (v) => isNumber(v) && v >= 0 && v <= 1),
  boolean: (fallback: boolean) => field<boolean>(fallback, 'a boolean', (v) => typeof v === 'boolean'),
  integer: (fallback: number) => field<number>(fallback, 'an integer', (v) => Number.isSafeInteger(v)),
  positiveInts: (fallback: number[], expected = 'a list of positive integers') =>
    field<number[]>(
      () => [...fallback],
      expected,
      (v) => Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && x > 0),
    ),
  /** A fraction of the run's total steps in (0, 1], or null (the absolute step count applies). */
  fraction: () => field<number | null>(null, 'a number in (0, 1] or null', (v) => v === null || (isNumber(v) && v > 0 && v <= 1)),
};

/** A value as an error message shows it: strings and lists as JSON, numbers as written (NaN, Infinity). */
export function show(value: unknown): string {
  if (typeof value === 'string' || Array.isArray(value) || (typeof value === 'object' && value !== null)) return JSON.stringify(value);
  return String(value);
}

/**
 * Validates a learner config against its schema and fills in the defaults.
 * Throws InvalidOptionError with one line naming the field: `Expected gamma to
 * be a number from 0 to 1, got 1.5` or `Unknown DQN option "x"; expected one
 * of ...`. Undefined values count as absent.
 */
export function parseConfig<S extends z.ZodObject>(schema: S, label: string, config: unknown): z.output<S> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new InvalidOptionError(`Expected the ${label} config to be an object, got ${config === null ? 'null' : show(config)}`);
  }
  const known = Object.keys(schema.shape);
  for (const key of Object.keys(config)) {
    if (!known.includes(key)) throw new InvalidOptionError(`Unknown ${label} option ${JSON.stringify(key)}; expected one of ${known.join(', ')}`);
  }
  const input = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const key = String(result.error.issues[0]?.path[0] ?? '');
  const expected = (schema.shape[key] as z.ZodType | undefined)?.description ?? 'valid';
  throw new InvalidOptionError(`Expected ${key} to be ${expected}, got ${show(input[key])}`);
}
