import type { Argv, Options } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { z } from 'zod';
import { InvalidOptionError } from '../src/core/errors.ts';
import { camelCase, kebabCase, parseOptions } from '../src/core/options.ts';
import { readConfigFile } from './config-file.ts';

// The glue between a command's zod schema and yargs: the flags come from the
// schema's fields, and what was typed, a --config file and the defaults are
// merged and checked by the schema.

interface JsonField {
  type?: string;
  anyOf?: JsonField[];
  enum?: string[];
  default?: unknown;
  description?: string;
}

/** A field's yargs type: JSON objects are typed as text. */
function fieldType(field: JsonField): { type: 'string' | 'number' | 'boolean' | 'array'; json: boolean; choices?: string[] } {
  const f = field.anyOf?.find((a) => a.type !== 'null') ?? field;
  if (f.type === 'integer' || f.type === 'number') return { type: 'number', json: false };
  if (f.type === 'boolean') return { type: 'boolean', json: false };
  if (f.type === 'array') return { type: 'array', json: false };
  if (f.type === 'object') return { type: 'string', json: true };
  return { type: 'string', json: false, ...(f.enum ? { choices: f.enum } : {}) };
}

function fields(schema: z.ZodObject): Array<[string, JsonField]> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonField> };
  return Object.entries(json.properties ?? {});
}

/** The text typed after `--flag` (or in `--flag=...`), to show it back in an error. */
export function typedText(flag: string, argv: string[] = hideBin(process.argv)): string {
  const i = argv.findIndex((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
  if (i < 0) return 'a value from the config file';
  const a = argv[i] as string;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : (argv[i + 1] ?? 'nothing');
}

/**
 * Declares one flag per field of `schema` (`evalEvery` as `--eval-every`),
 * with its type, description, choices and shown default, and `--config FILE`
 * (JSON or YAML) when `config` is set. Defaults are not given to yargs: an
 * absent flag stays undefined, so a config file's value can fill it.
 */
export function addOptions<T>(y: Argv<T>, schema: z.ZodObject, options: { config?: string } = {}): Argv<T> {
  if (options.config) y.option('config', { type: 'string', requiresArg: true, describe: options.config });
  for (const [key, field] of fields(schema)) {
    const flag = kebabCase(key);
    const { type, choices } = fieldType(field);
    const shown = field.default === null || (typeof field.default === 'object' && Object.keys(field.default as object).length === 0) ? undefined : field.default;
    const option: Options = {
      type,
      // Choices are shown, not checked by yargs: the schema's error is one line and names what was typed.
      describe: choices ? `${field.description ?? ''} [choices: ${choices.join(', ')}]`.trim() : field.description,
      ...(shown !== undefined ? { defaultDescription: typeof shown === 'string' ? shown : JSON.stringify(shown) } : {}),
      ...(type === 'string' || type === 'number' ? { requiresArg: true } : {}),
      ...(type === 'array' ? { string: true } : {}),
      // yargs reads a number flag typed as text as NaN: keep the text, so the error shows what was typed.
      ...(type === 'number' ? { coerce: (v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? typedText(flag) : v) } : {}),
    };
    y.option(flag, option);
  }
  return y;
}

/**
 * The options in a config file (JSON, or YAML for .yaml/.yml), keys as in
 * code (`evalEvery`); the file may name them as flags (`eval-every`). Null
 * values are left out (the default). Unknown keys are refused; values are
 * checked later, with the flags.
 */
export function readOptionsFile(file: string, schema: z.ZodObject): Record<string, unknown> {
  const known = Object.keys(schema.shape);
  const options: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(readConfigFile(file))) {
    const key = camelCase(name);
    if (!known.includes(key)) throw new InvalidOptionError(`Unknown option ${JSON.stringify(name)} in config file ${file} (known: ${known.join(', ')})`);
    options[key] = value;
  }
  return options;
}

/** A flag holding a JSON object, as typed. */
function parseJson(flag: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidOptionError(`Expected --${flag} to be a JSON object, got ${value}`);
  }
}

/**
 * The options of a command: the defaults of `schema`, overridden by the
 * `--config` file's values (keys as `evalEvery` or `eval-every`; null means
 * the default, as in a run's own config.json), overridden by the flags
 * typed. JSON object flags are merged key by key with the file's object.
 * Checked by the schema; an error names the flag: `Expected --steps to be a
 * positive integer, got abc`.
 */
export function optionsFromArgs<S extends z.ZodObject>(schema: S, args: Record<string, unknown>): z.output<S> {
  const known = fields(schema);
  // `config` is the config file unless the command has an option of that name (start: its training config).
  const configFile = !('config' in schema.shape) && typeof args.config === 'string' ? args.config : undefined;
  const merged: Record<string, unknown> = configFile ? readOptionsFile(configFile, schema) : {};
  for (const [key, field] of known) {
    const flag = kebabCase(key);
    let value = args[flag];
    if (value === undefined) continue;
    if (fieldType(field).json) {
      // A flag given twice arrives as an array: the last one counts.
      value = parseJson(flag, Array.isArray(value) ? value.at(-1) : value);
      const fromFile = merged[key];
      if (isObject(fromFile) && isObject(value)) value = { ...fromFile, ...value };
    }
    merged[key] = value;
  }
  return parseOptions(schema, merged, flagName);
}

/** An option's name on the command line: `evalEvery` -> `--eval-every`. */
export function flagName(key: string): string {
  return `--${kebabCase(key)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
