import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TournamentResult } from '../agents/tournament/tournament.ts';

const cli = path.join(import.meta.dirname, 'game-gym.js');

describe('game-gym evaluate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-evaluate-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints the config, the tables and where the files went', async () => {
    const out = path.join(dir, 'results');
    const args = ['evaluate', '--agents', 'minimax,random', '--games', '20', '--out', out, '--no-progress', '--bootstrap', '50', '--seed', '3'];
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 90_000 });
    expect(r.status, r.stderr).toBe(0);
    // The resolved config as short key: value lines.
    expect(r.stdout).toMatch(/^evaluate\n {2}game: TicTacToe {2}agents: minimax,random {2}games: 20 /);
    expect(r.stdout).toMatch(/\| minimax \| random \| 20 \|/);
    const written = [...r.stdout.matchAll(/wrote (\S+)/g)].map((m) => m[1] as string);
    expect(written).toHaveLength(2);
    for (const f of written) expect(existsSync(f)).toBe(true);
    expect(written[0]).toMatch(/results\/evaluate__TicTacToe__.*\.json$/);
    const json = JSON.parse(await readFile(written[0] as string, 'utf8')) as TournamentResult;
    expect(json.command).toMatch(/^game-gym /);
    expect(json.config.seed).toBe(3);
    // The chart: every pair labelled, the outcome legend, readable axis titles.
    const svg = await readFile(written[1] as string, 'utf8');
    for (const text of ['minimax vs random', 'A wins', 'draw', 'B wins', 'result of A', 'share of games (%)']) expect(svg).toContain(`>${text}</text>`);
  }, 120_000);
});
