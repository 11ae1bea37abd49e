import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../agents/training/evaluate.ts';
import { MinimaxPolicy } from '../env/bots.ts';
import type { Policy } from '../env/policy.ts';
import { exactVsRandom } from './tictactoe.ts';
import './builtins.ts';

// A deterministic, beatable policy: the first free cell.
const firstFree: Policy<Float32Array> = { name: 'first-free', act: (_obs, masks) => masks.map((m) => m.indexOf(1)) };

describe('exactVsRandom', () => {
  it('agrees with played games against the random bot', async () => {
    const exact = await exactVsRandom(firstFree);
    expect(exact.winRate + exact.drawRate + exact.lossRate).toBeCloseTo(1, 12);
    const played = await evaluatePolicy({ game: 'TicTacToe', policy: firstFree, opponent: 'random', games: 4000, seed: 7 });
    // Four standard errors of a rate near 0.5 over 4,000 games: 0.032.
    expect(Math.abs(played.winRate - exact.winRate)).toBeLessThan(0.032);
    expect(Math.abs(played.lossRate - exact.lossRate)).toBeLessThan(0.032);
    expect(exact.lossRate).toBeGreaterThan(0.1);
  }, 20_000);

  it('gives minimax no losses', async () => {
    const exact = await exactVsRandom(new MinimaxPolicy(1));
    expect(exact.lossRate).toBe(0);
    expect(exact.winRate).toBeGreaterThan(0.9);
  });
});
