import { describe, expect, it } from 'vitest';
import { jsonLength } from './checks.ts';

describe('jsonLength', () => {
  it('equals JSON.stringify(value).length for moves, states and the odd cases', () => {
    const values: unknown[] = [
      { position: 3 },
      {},
      [],
      [undefined],
      'héllo',
      '\ud800',
      'a"b\\c\n\u0001',
      NaN,
      -Infinity,
      -0,
      1e21,
      1.5e-7,
      true,
      false,
      null,
      [1, 'a', null, true, undefined, () => 1],
      { a: undefined, f: () => 1, b: [[], {}], 'k"': 'v' },
      { name: 'Ones' },
      { reroll: [0, 2, 4] },
      { nested: { deep: [1, 2, { x: 'é' }] } },
      new Date(0),
    ];
    for (const value of values) expect(jsonLength(value), JSON.stringify(value)).toBe(JSON.stringify(value)?.length ?? 0);
  });
});
