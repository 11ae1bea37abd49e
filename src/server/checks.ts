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
