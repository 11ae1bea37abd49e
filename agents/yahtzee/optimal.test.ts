import { beforeAll, describe, expect, it } from 'vitest';
import { YahtzeeAdapter, YAHTZEE_ADD, YAHTZEE_REROLLS } from '../../src/env/adapters/yahtzee.ts';
import { makeEnv } from '../../src/env/env.ts';
import type { GameState } from '../../src/protocol/messages.ts';
import { IllegalMoveError } from '../../src/core/errors.ts';
import { GameFramework } from '../../src/server/framework.ts';
import { YahtzeeGame } from '../../src/server/games/yahtzee.ts';
import { SeededRng } from '../../src/core/rng.ts';
import { OptimalYahtzeePolicy, positionOf } from './optimal.ts';
import { getGame } from '../../src/games/registry.ts';
import { YAHTZEE_OPTIMUM, solve, solveTurn, turnScratch, rollIndex, type Solution } from './solver.ts';

let solution: Solution;
beforeAll(() => {
  solution = solve();
}, 180_000);

function serverState(game: YahtzeeGame, id: number): GameState {
  const state = game.state(id) as GameState;
  state.current = game.gameOver() ? [] : game.currentPlayers();
  state.gameover = game.gameOver();
  return state;
}

describe('the optimal Yahtzee bot', () => {
  it("solves the server's rules (150 rule included) to the recorded optimum", () => {
    expect(solution.expected).toBeCloseTo(YAHTZEE_OPTIMUM, 9);
    expect(getGame('Yahtzee').optimum).toBe(YAHTZEE_OPTIMUM);
    expect(solution.expected.toFixed(4)).toBe('284.7862');
  });

  it('scores the optimum on the embedded server: 300 games whose 95% interval holds it', { timeout: 120_000 }, async () => {
    const bot = new OptimalYahtzeePolicy(solution);
    const env = makeEnv<Float32Array, number>('Yahtzee', { server: new GameFramework({ seed: 14 }), seed: 1 });
    const scores: number[] = [];
    try {
      for (let g = 0; g < 300; g++) {
        let { observation, info } = await env.reset({ seed: g });
        for (let done = false; !done;) {
          const values = (await bot.actionValues([observation], [info.actionMask]))[0] as Float64Array;
          const [action] = await bot.act([observation], [info.actionMask]);
          expect(info.actionMask[action as number]).toBe(1);
          const legal = [...info.actionMask.keys()].filter((a) => info.actionMask[a]);
          expect(legal.every((a) => Number.isFinite(values[a]))).toBe(true);
          expect(values[action as number]).toBeCloseTo(Math.max(...legal.map((a) => values[a] as number)), 9);
          const r = await env.step(action as number);
          ({ observation, info } = r);
          done = r.terminated || r.truncated;
        }
        scores.push(info.episode?.return as number);
      }
    } finally {
      await env.close();
    }
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    const sd = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / (scores.length - 1));
    const half = (1.96 * sd) / Math.sqrt(scores.length);
    expect(Math.abs(mean - YAHTZEE_OPTIMUM), `mean ${mean.toFixed(1)} +- ${half.toFixed(1)}`).toBeLessThan(half);
    expect(half).toBeLessThan(10);
  });

  it('acts on a position after rolls made before naming: no reroll left at the first turn, it scores the best category', () => {
    const game = new YahtzeeGame(2, new SeededRng('pre-naming'));
    const adapters = [new YahtzeeAdapter(), new YahtzeeAdapter()];
    expect(game.move({ roll_dice: [0] }, 1)).toBeNull();
    expect(game.move({ roll_dice: [1] }, 1)).toBeNull();
    for (const id of [0, 1]) expect(game.move({ name: `p${id}` }, id)).toBeNull();
    const id = game.currentPlayers()[0] as number;
    const adapter = adapters[id] as YahtzeeAdapter;
    const seat = { playerId: id, players: 2, name: `p${id}` };
    adapter.actionMask(serverState(game, id), seat);
    // The adapter learns of the exhausted rolls from the server's refusal, as the env does.
    const refused = game.move(adapter.toMove(0, serverState(game, id)), id) as string;
    adapter.refused(0, new IllegalMoveError(refused));
    const state = serverState(game, id);
    const obs = adapter.observe(state);
    const mask = adapter.actionMask(state, seat);
    expect(mask.subarray(0, YAHTZEE_REROLLS).includes(1)).toBe(false);
    const bot = new OptimalYahtzeePolicy(solution);
    const [action] = bot.act([obs], [mask]) as number[];
    expect(action).toBeGreaterThanOrEqual(YAHTZEE_ADD);
    const p = positionOf(obs);
    expect(p).toMatchObject({ rollsLeft: 0, used: 0, upper: 0, holds50: false });
    // Its choice is worth what the table says the best ending of the turn is worth.
    const turn = turnScratch();
    solveTurn(solution.values, 0, 0, false, true, turn);
    const values = bot.actionValues([obs], [mask]) as Float64Array[];
    expect(values[0]?.[action as number]).toBeCloseTo(turn.e[0][rollIndex(p.dice)] as number, 9);
  });

  it('loads its table on first use from the cache folder it is given', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { writeCache, cacheFile } = await import('./table.ts');
    const dir = await mkdtemp(path.join(tmpdir(), 'yahtzee-cache-'));
    try {
      await writeCache(cacheFile(dir, true), solution);
      const env = makeEnv<Float32Array, number>('Yahtzee', { server: new GameFramework({ seed: 3 }), seed: 1 });
      const { observation, info } = await env.reset({ seed: 1 });
      const lazy = new OptimalYahtzeePolicy({ cacheDir: dir });
      const eager = new OptimalYahtzeePolicy(solution);
      expect(await lazy.act([observation], [info.actionMask])).toEqual(await eager.act([observation], [info.actionMask]));
      await env.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('collects an expert dataset: every step with the value of every action, the chosen one the best', { timeout: 120_000 }, async () => {
    const { mkdtemp, readdir, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { writeCache, cacheFile } = await import('./table.ts');
    const { collect } = await import('../collect/collect.ts');
    const { readShard } = await import('../collect/shards.ts');
    const dir = await mkdtemp(path.join(tmpdir(), 'yahtzee-collect-'));
    const previous = process.env.GAME_GYM_CACHE_DIR;
    try {
      process.env.GAME_GYM_CACHE_DIR = path.join(dir, 'cache');
      await writeCache(cacheFile(process.env.GAME_GYM_CACHE_DIR, true), solution);
      const out = path.join(dir, 'data');
      await collect({ game: 'Yahtzee', policies: ['optimal'], episodes: 6, shardEpisodes: 6, sessions: 3, format: 'jsonl.gz', out }, { log: () => {}, progress: false });
      const files = (await readdir(out)).filter((f) => f.startsWith('shard-'));
      const rows = (await Promise.all(files.map((f) => readShard(path.join(out, f))))).flat();
      expect(new Set(rows.map((r) => r.episode_id)).size).toBe(6);
      for (const r of rows) {
        const values = r.values as number[];
        expect(values).toHaveLength(57);
        const legal = r.mask.flatMap((m, a) => (m ? [values[a] as number] : []));
        expect(values[r.action]).toBeCloseTo(Math.max(...legal), 9);
        // Its value of the observation is the chosen action's: the best one.
        expect(r).toMatchObject({ policy: 'optimal', value: values[r.action], probs: null, logp: null });
        expect(values.every((v, a) => r.mask[a] || v === 0)).toBe(true);
        // The last decision's value is exactly what it scores.
        if (r.terminated) expect(values[r.action]).toBeCloseTo(r.reward, 9);
      }
    } finally {
      if (previous === undefined) delete process.env.GAME_GYM_CACHE_DIR;
      else process.env.GAME_GYM_CACHE_DIR = previous;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
