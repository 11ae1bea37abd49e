import { describe, expect, it } from 'vitest';
import { yahtzeeScore, YAHTZEE_CATEGORIES } from '../../src/server/games/yahtzee.ts';
import { CATEGORIES, STATES, YAHTZEE, YAHTZEE_OPTIMUM_NO_BONUS, categoryPoints, reachableUpper, solve, solveTurn, stateIndex, turnScratch } from './solver.ts';

const FULL = (1 << CATEGORIES) - 1;
const CHANCE = 6;

/** The value of a turn-start state whose successors are all given by `values`. */
function turnValue(values: Float64Array, used: number, upper: number, holds50: boolean, bonusRule = true): number {
  return solveTurn(values, used, upper, holds50, bonusRule, turnScratch());
}

describe('Yahtzee solver', () => {
  it('scores every dice sequence as the server does (0 where the server refuses "add points")', () => {
    for (let n = 0; n < 6 ** 5; n++) {
      const dice = [0, 1, 2, 3, 4].map((i) => (Math.floor(n / 6 ** i) % 6) + 1);
      const counts = [0, 0, 0, 0, 0, 0];
      for (const d of dice) counts[d - 1]! += 1;
      YAHTZEE_CATEGORIES.forEach((name, c) => {
        const server = yahtzeeScore(name, dice);
        expect(categoryPoints(c, counts), `${name} on ${dice.join('')}`).toBe(typeof server === 'number' ? server : 0);
      });
    }
  });

  it('values one-category endings exactly: Yahtzee 50 x P(five of a kind in three rolls), Chance 23.33', () => {
    const values = new Float64Array(STATES);
    // P(five of a kind within three rolls, keeping the most common face) = 2,783,176 / 60,466,176.
    expect(turnValue(values, FULL & ~(1 << YAHTZEE), 0, false)).toBeCloseTo((50 * 2783176) / 60466176, 10);
    expect(turnValue(values, FULL & ~(1 << CHANCE), 0, false).toFixed(2)).toBe('23.33');
  });

  it('follows the 150 rule: a turn for +100 while Yahtzee holds 50, before the last category ends the game', () => {
    const values = new Float64Array(STATES);
    const chanceLeft = FULL & ~(1 << CHANCE);
    const chance = turnValue(values, chanceLeft, 10, false);
    values[stateIndex(chanceLeft, 10, false)] = chance;
    expect(turnValue(values, chanceLeft, 10, true)).toBeCloseTo(100 + chance, 10);
    // Without the rule, holding 50 changes nothing.
    expect(turnValue(values, chanceLeft, 10, true, false)).toBeCloseTo(chance, 10);
  });

  it('counts the upper bonus when a score reaches 63 and knows which upper sums can occur', () => {
    const values = new Float64Array(STATES);
    const sixesLeft = FULL & ~(1 << 5);
    // At 60, any six reaches 63: the bonus is worth 35 x P(at least one six in three rolls with sixes kept).
    const gain = turnValue(values, sixesLeft, 60, false) - turnValue(values, sixesLeft, 63, false);
    expect(gain).toBeCloseTo(35 * (1 - (5 / 6) ** 15), 10);
    expect([...reachableUpper(0)].indexOf(1)).toBe(0);
    expect(reachableUpper(0).reduce((a, b) => a + b, 0)).toBe(1);
    expect(reachableUpper(0b1)[5]).toBe(1);
    expect(reachableUpper(0b1)[6]).toBe(0);
  });

  it('solves standard solitaire Yahtzee without bonus or joker to the published 245.87', { timeout: 180_000 }, () => {
    const progress: number[] = [];
    const s = solve({ yahtzeeBonus: false, onProgress: (done, total) => progress.push(done / total) });
    expect(s.expected.toFixed(2)).toBe('245.87');
    expect(s.expected).toBeCloseTo(YAHTZEE_OPTIMUM_NO_BONUS, 9);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((p, i) => i === 0 || p >= (progress[i - 1] as number))).toBe(true);
  });
});
