import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = path.join(import.meta.dirname, 'game-gym.js');

describe('game-gym start', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-start-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('evaluates the game of its --config (not always TicTacToe), with --seed', async () => {
    const config = path.join(dir, 'yahtzee.json');
    await writeFile(config, JSON.stringify({ game: 'Yahtzee', agent: 'tabular-q', steps: 200, envs: 4, evalEvery: 1000, evalGames: 4, out: dir }));
    const { stdout } = await run(process.execPath, [cli, 'start', '--config', config, '--eval-games', '4', '--seed', '3'], { timeout: 90_000 });
    expect(stdout).toMatch(/\| random \| 4 \| mean score \d/);
    expect(stdout).not.toMatch(/^\| minimax/m);
    expect(stdout).toMatch(/Yahtzee__tabular-q__3__/);
  }, 120_000);

  it('refuses a final evaluation of no games before training', async () => {
    const failed = await run(process.execPath, [cli, 'start', '--eval-games', '0'], { timeout: 30_000 }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect('code' in failed && failed.code).toBe(1);
    expect(failed.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^game-gym start: Expected --eval-games to be a positive integer, got 0 \[\w+\]$/)]);
    expect(failed.stdout).not.toMatch(/training/);
  }, 40_000);
});
