import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATES } from '../agents/yahtzee/solver.ts';
import { cacheFile, writeCache } from '../agents/yahtzee/table.ts';

const run = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ['scripts/game-gym.js', 'solve', ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('game-gym solve', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-solve-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reuses the cache file instead of solving, and prints the optimum with four decimals', { timeout: 60_000 }, async () => {
    // A made-up table: only a cache read can print this value, a solve would print 284.7862.
    const values = new Float64Array(STATES);
    values[0] = 123.456789;
    await writeCache(cacheFile(dir, true), { yahtzeeBonus: true, values, expected: values[0] });
    const r = await run(['Yahtzee', '--cache-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`read ${cacheFile(dir, true)}`);
    expect(r.stdout).toMatch(/^optimal expected score: 123\.4568$/m);
  });

  it('fails in one line on a game it cannot solve, no game, or a damaged cache', { timeout: 60_000 }, async () => {
    const chess = await run(['Chess', '--cache-dir', dir]);
    expect(chess.code).toBe(1);
    expect(chess.stderr.trim()).toBe('game-gym solve: Expected game to be Yahtzee (the only game solve knows), got "Chess"');
    const none = await run([]);
    expect(none.stderr.trim()).toBe('game-gym solve: Expected game to be Yahtzee (the only game solve knows), got nothing');
    await writeFile(cacheFile(dir, false), 'junk');
    const damaged = await run(['Yahtzee', '--no-yahtzee-bonus', '--cache-dir', dir]);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr.trim().split('\n')).toHaveLength(1);
    expect(damaged.stderr).toContain('is not a Yahtzee solution cache (delete it or solve with --fresh)');
  });
});
