import type { Json, JsonObject } from '../protocol/messages.ts';

/** The field kinds requests carry, named as the reference's Python type check names them. */
export type FieldKind = 'str' | 'int' | 'int?' | 'bool' | 'dict';

const PYTHON_TYPE: Record<FieldKind, string> = {
  str: "<class 'str'>",
  int: "<class 'int'>",
  'int?': "(<class 'int'>, <class 'NoneType'>)",
  bool: "<class 'bool'>",
  dict: "<class 'dict'>",
};

/**
 * Checks request fields in order and returns the reference's error text for
 * the first bad one, or null. Python counts booleans as ints, so they pass
 * for `int` (the caller converts them with `Number`).
 */
export function checkFields(request: JsonObject, fields: ReadonlyArray<readonly [string, FieldKind]>): string | null {
  // An indexed loop: this runs for every request, and destructuring for-of costs more here.
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as readonly [string, FieldKind];
    const key = field[0];
    const kind = field[1];
    const value = request[key];
    if (value === undefined && !(key in request)) return `key '${key}' of type ${PYTHON_TYPE[kind]} missing`;
    if (!hasKind(value as Json, kind)) return `value of key '${key}' must be of type ${PYTHON_TYPE[kind]}`;
  }
  return null;
}

function hasKind(value: Json, kind: FieldKind): boolean {
  switch (kind) {
    case 'str':
      return typeof value === 'string';
    case 'int':
      return isPythonInt(value);
    case 'int?':
      return value === null || isPythonInt(value);
    case 'bool':
      return typeof value === 'boolean';
    case 'dict':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
  }
}

function isPythonInt(value: Json): boolean {
  return typeof value === 'boolean' || (typeof value === 'number' && Number.isInteger(value));
}

/** Python's truthiness, which decides whether a game's return value counts as an error. */
export function pythonTruthy(value: Json | undefined): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * `JSON.stringify(value).length` without building the string: the size
 * accounting of every move runs on the hot path of in-process games.
 */
export function jsonLength(value: unknown): number {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4;
    case 'boolean':
      return value ? 4 : 5;
    case 'string':
      return NEEDS_ESCAPE.test(value) ? JSON.stringify(value).length : value.length + 2;
    case 'object':
      break;
    default:
      // undefined, functions and symbols: JSON.stringify gives undefined at the top (counted as nothing) and leaves them out of objects.
      return 0;
  }
  if (value === null) return 4;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(value)?.length ?? 0;
  if (Array.isArray(value)) {
    let n = 1 + Math.max(1, value.length);
    for (const item of value) {
      const t = typeof item;
      n += t === 'undefined' || t === 'function' || t === 'symbol' ? 4 : jsonLength(item);
    }
    return n;
  }
  let n = 1;
  let fields = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = (value as Record<string, unknown>)[key];
    const t = typeof item;
    if (t === 'undefined' || t === 'function' || t === 'symbol') continue;
    n += jsonLength(key) + 1 + jsonLength(item);
    fields++;
  }
  return n + Math.max(1, fields);
}
