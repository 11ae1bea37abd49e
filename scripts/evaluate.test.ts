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
    expect(r.stdout).toMatch(/^evaluate \{"game":"TicTacToe","agents":\["minimax","random"\],"games":20,/);
    expect(r.stdout).toMatch(/\| minimax \| random \| 20 \|/);
    const written = [...r.stdout.matchAll(/wrote (\S+)/g)].map((m) => m[1] as string);
    expect(written).toHaveLength(2);
    for (const f of written) expect(existsSync(f)).toBe(true);
    expect(written[0]).toMatch(/results\/evaluate__TicTacToe__.*\.json$/);
    const json = JSON.parse(await readFile(written[0] as string, 'utf8')) as TournamentResult;
    expect(json.command).toMatch(/^game-gym /);
    expect(json.config.seed).toBe(3);
  }, 120_000);
});
