import { z } from 'zod';
import { InvalidOptionError } from './errors.ts';

// Builders of option schemas whose error message is what was expected, so a
// failed check reads `Expected <option> to be <message>, got <value>`.

/** A whole number above 0. */
export function positiveInt(): z.ZodNumber {
  const error = 'a positive integer';
  return z.number({ error }).int({ error }).positive({ error });
}

/** A whole number, 0 or above. */
export function nonNegativeInt(): z.ZodNumber {
  const error = 'a non-negative integer';
  return z.number({ error }).int({ error }).nonnegative({ error });
}

/** Any whole number. */
export function integer(): z.ZodNumber {
  const error = 'an integer';
  return z.number({ error }).int({ error });
}

/** A number, 0 or above. */
export function nonNegativeNumber(): z.ZodNumber {
  const error = 'a non-negative number';
  return z.number({ error }).nonnegative({ error });
}

/** A number from `min` to `max`, both included. */
export function between(min: number, max: number): z.ZodNumber {
  const error = `a number from ${min} to ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error });
}

/** Text; `pattern` and `expected` restrict it. */
export function text(pattern?: RegExp, expected = 'text'): z.ZodString {
  const s = z.string({ error: expected });
  return pattern ? s.regex(pattern, { error: expected }) : s;
}

/** `true` or `false`. */
export function flag(): z.ZodBoolean {
  return z.boolean({ error: 'true or false' });
}

/** One of `values`. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, { error: `one of ${values.join(', ')}` });
}

/** A list of texts. */
export function textList(): z.ZodArray<z.ZodString> {
  return z.array(z.string({ error: 'a list of names' }), { error: 'a list of names' });
}

/** An object of options given as JSON (on the command line) or as an object (in a config file). */
export function jsonObject<V extends z.ZodType>(values: V): z.ZodRecord<z.ZodString, V> {
  return z.record(z.string(), values, { error: 'a JSON object' });
}

/** Shows a value typed or read back in an error: text as typed, anything else as JSON. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return value === '' ? '""' : value;
  return JSON.stringify(value);
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = input;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/**
 * Checks `input` against an object schema and returns it with defaults filled
 * in, or throws `InvalidOptionError` with one line for the first problem:
 * `Expected <label(key)> to be <what>, got <value>`, or the unknown options.
 * `label` names an option as the caller knows it (`--eval-every` on the
 * command line, `evalEvery` in code).
 */
export function parseOptions<S extends z.ZodObject>(schema: S, input: unknown, label: (key: string) => string = (key) => key): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(schema.shape).map(label).join(', ');
    throw new InvalidOptionError(`Unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(label).join(', ')} (known: ${known})`);
  }
  const [key, ...rest] = issue.path.map(String);
  const name = key === undefined ? 'the options' : label(key) + rest.map((k) => `.${k}`).join('');
  const value = valueAt(input, issue.path);
  throw new InvalidOptionError(`Expected ${name} to be ${issue.message}, got ${shown(value)}`);
}

/** `evalEvery` -> `eval-every`: an option's name on the command line. */
export function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `eval-every` -> `evalEvery`: an option's name in code and config files. */
export function camelCase(key: string): string {
  return key.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
