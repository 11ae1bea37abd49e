import { describe, expect, it } from 'vitest';
import { FloatSlab } from './slab.ts';

describe('FloatSlab', () => {
  it('hands out distinct zeroed arrays of its length, across blocks', () => {
    const slab = new FloatSlab(5, 3);
    const arrays = Array.from({ length: 10 }, (_, i) => {
      const a = slab.next();
      expect(a.length).toBe(5);
      expect([...a]).toEqual([0, 0, 0, 0, 0]);
      a.fill(i + 1);
      return a;
    });
    // Writing to one never changed another.
    arrays.forEach((a, i) => expect([...a]).toEqual(new Array(5).fill(i + 1)));
    // Views share a block's buffer: byteOffset tells where each one starts.
    expect(arrays[1]!.buffer).toBe(arrays[0]!.buffer);
    expect(arrays[1]!.byteOffset).toBe(20);
    expect(arrays[3]!.buffer).not.toBe(arrays[0]!.buffer);
  });
});
