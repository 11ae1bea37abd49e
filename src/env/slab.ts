/**
 * Hands out zeroed Float32Arrays of one length as views into shared blocks.
 * Each array is the caller's own, but creating a view costs a fraction of a
 * fresh typed array: one over 64 bytes gets its own off-heap store, which
 * the garbage collector must track and sweep (a fifth of an env step's time
 * when every observation had its own). A view's `buffer` is the whole block:
 * use `byteOffset` and `length` (or copy) when reading the bytes.
 */
export class FloatSlab {
  readonly length: number;
  private readonly perBlock: number;
  private block: Float32Array;
  private used = 0;

  constructor(length: number, perBlock = 256) {
    this.length = length;
    this.perBlock = perBlock;
    this.block = new Float32Array(length * perBlock);
  }

  /** A fresh zeroed array of `length` values. */
  next(): Float32Array {
    if (this.used === this.perBlock) {
      this.block = new Float32Array(this.length * this.perBlock);
      this.used = 0;
    }
    const start = this.used++ * this.length;
    return this.block.subarray(start, start + this.length);
  }
}
