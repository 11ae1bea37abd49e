/** Typed-array helpers shared by the tfjs learners (packing for checkpoints, softmax on the CPU). */

/** The bytes of several typed arrays, back to back. */
export function concatBytes(views: ArrayBufferView[]): Uint8Array {
  const total = views.reduce((n, v) => n + v.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const v of views) {
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), offset);
    offset += v.byteLength;
  }
  return out;
}

/** A Node Buffer's bytes as an ArrayBuffer of their own (aligned for typed-array views). */
export function bytesOf(buffer: Buffer): ArrayBuffer {
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}

/** Rows of `size` floats in one array. */
export function concatFloats(arrays: Float32Array[], size: number): Float32Array {
  const out = new Float32Array(arrays.length * size);
  arrays.forEach((a, i) => out.set(a, i * size));
  return out;
}

export const toBase64 = (bytes: ArrayBufferView): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

export const floatsFrom64 = (text: string): Float32Array => new Float32Array(bytesOf(Buffer.from(text, 'base64')));

/** Softmax over the legal entries of `z` (all entries when none is legal); illegal ones get 0. */
export function maskedSoftmax(z: number[], mask: Uint8Array): number[] {
  const legal = z.map((_, a) => mask[a] === 1 || !mask.includes(1));
  const max = Math.max(...z.filter((_, a) => legal[a]));
  const e = z.map((v, a) => (legal[a] ? Math.exp(v - max) : 0));
  const sum = e.reduce((x, y) => x + y, 0);
  return e.map((v) => v / sum);
}

/** log-softmax of one row of (masked) logits, in float64. */
export function logSoftmax(z: Float64Array): Float32Array {
  let max = -Infinity;
  for (const x of z) max = Math.max(max, x);
  let sum = 0;
  for (const x of z) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  return Float32Array.from(z, (x) => x - lse);
}
