// Python's str.isspace() set: unlike String.prototype.trim it includes U+001C..U+001F
// and U+0085 but not U+FEFF, and the reference server strips with Python.
const PY_WHITESPACE = new Set<number>([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028,
  0x2029, 0x202f, 0x205f, 0x3000,
]);

/**
 * Python's `str.strip()` with no argument: removes leading and trailing characters for
 * which `str.isspace()` is true. Throws a TypeError for a non-string, where Python
 * would raise AttributeError.
 */
export function pyStrip(value: unknown): string {
  if (typeof value !== 'string') {
    throw new TypeError(`cannot strip a value of type ${value === null ? 'null' : typeof value}`);
  }
  let start = 0;
  let end = value.length;
  while (start < end && PY_WHITESPACE.has(value.charCodeAt(start))) start++;
  while (end > start && PY_WHITESPACE.has(value.charCodeAt(end - 1))) end--;
  return value.slice(start, end);
}
