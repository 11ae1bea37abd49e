import { ProtocolError, RequestTooLargeError } from '../core/errors.ts';
import { parseResponse, type Response } from './messages.ts';

/** The 4-byte terminator after every request: `EOT\0`. */
export const EOT = Buffer.from([0x45, 0x4f, 0x54, 0x00]);
/** The reference server's request size limit in bytes, terminator included. */
export const REQUEST_SIZE_MAX = 1_000_000;
/** Deepest nesting of arrays and objects a request may have (the reference's parser has a recursion limit too). */
export const REQUEST_DEPTH_MAX = 256;

/** Encodes a request as UTF-8 JSON followed by `EOT\0`; refuses what the server would refuse. */
export function encodeRequest(request: object, limit = REQUEST_SIZE_MAX): Buffer {
  const body = Buffer.from(JSON.stringify(request), 'utf8');
  const size = body.length + EOT.length;
  if (size > limit) throw new RequestTooLargeError(size, limit);
  return Buffer.concat([body, EOT], size);
}

/** What a `RequestReader` has after a chunk. */
export type ReadResult = { kind: 'more' } | { kind: 'complete'; payload: Buffer } | { kind: 'too-large' };

/**
 * Collects the bytes of one request as the server receives them. Like the
 * reference, it checks the size limit after each chunk, then whether the
 * bytes so far end with `EOT\0`; bytes that merely contain it go on.
 */
export class RequestReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private tail: Buffer = Buffer.alloc(0);
  private readonly limit: number;

  constructor(limit = REQUEST_SIZE_MAX) {
    this.limit = limit;
  }

  get bytesRead(): number {
    return this.size;
  }

  push(chunk: Buffer): ReadResult {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > this.limit) return { kind: 'too-large' };
    // The terminator may straddle chunks, so keep the last 4 bytes seen.
    this.tail = chunk.length >= 4 ? chunk.subarray(chunk.length - 4) : Buffer.concat([this.tail, chunk]).subarray(-4);
    if (!this.tail.equals(EOT)) return { kind: 'more' };
    const all = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.size);
    return { kind: 'complete', payload: all.subarray(0, all.length - EOT.length) };
  }
}

/** A request payload decoded as far as the framing layer goes. */
export type DecodedPayload = { ok: true; value: unknown } | { ok: false; message: string };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes a request payload (terminator stripped) to JSON, with the
 * reference's error texts. Nesting deeper than `depthMax` is refused before
 * parsing: copying or encoding such a value later would overflow the stack.
 */
export function decodeRequestPayload(payload: Buffer, depthMax = REQUEST_DEPTH_MAX): DecodedPayload {
  let text: string;
  try {
    text = strictUtf8.decode(payload);
  } catch {
    return { ok: false, message: 'server: could not decode binary data received from client' };
  }
  if (jsonDepthExceeds(text, depthMax)) {
    return { ok: false, message: `framework: request nested too deeply (limit ${depthMax} levels)` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, message: 'server: corrupt json received from client' };
  }
}

/** Whether brackets outside strings nest deeper than `max` (one linear scan, no parsing). */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** Encodes a response the way the reference does (Python's `json.dumps`), with no terminator. */
export function encodeResponse(response: Response): Buffer {
  return Buffer.from(pythonJsonDumps(response), 'utf8');
}

/** Decodes a complete response (everything the server sent before it closed). */
export function decodeResponse(bytes: Buffer): Response {
  if (bytes.length === 0) throw new ProtocolError('The server closed the connection without a response');
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new ProtocolError(`Response of ${bytes.length} bytes is not valid UTF-8`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const preview = text.length > 80 ? `${text.slice(0, 77)}...` : text;
    throw new ProtocolError(`Response is not valid JSON: ${JSON.stringify(preview)}`);
  }
  return parseResponse(value);
}

/**
 * Serialises like Python's `json.dumps` with default arguments: `", "` and
 * `": "` separators and every non-ASCII character escaped, so the embedded
 * server's bytes match the reference's.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value).replace(/[\u007f-\uffff]/g, escapeChar);
    case 'number':
      if (Number.isFinite(value)) return String(value);
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value)) {
        if (v !== undefined) parts.push(`${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`);
      }
      return `{${parts.join(', ')}}`;
    }
    default:
      throw new TypeError(`Cannot serialise a ${typeof value} as JSON`);
  }
}

function escapeChar(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
