import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = path.join(import.meta.dirname, 'game-gym.js');

describe('game-gym train --record, then game-gym replay', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-replay-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const metrics = async (run: string): Promise<unknown[]> =>
    (await readFile(path.join(dir, run, 'metrics.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const { seconds: _s, stepsPerSecond: _r, ...rest } = JSON.parse(l) as Record<string, unknown>;
        return rest;
      });

  it("serves a training run's recording so that the same run against it trains the same way", async () => {
    const traffic = path.join(dir, 'traffic.jsonl');
    const common = ['--agent', 'tabular-q', '--steps', '300', '--envs', '1', '--eval-games', '10', '--out', dir, '--no-progress'];
    await run(process.execPath, [cli, 'train', ...common, '--record', traffic, '--run-name', 'recorded'], { timeout: 90_000 });

    const replay = spawn(process.execPath, [cli, 'replay', traffic, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    replay.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    replay.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => replay.once('exit', resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!/listening on tcp:\/\/[\d.]+:\d+/.test(output) && Date.now() < deadline && replay.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      const [, port, recorded] = /listening on tcp:\/\/[\d.]+:(\d+) \((\d+) recorded answers; games: TicTacToe\)/.exec(output) ?? [];
      expect(port, output).toBeDefined();
      // The same run (seed, sessions and seats named as the recorded one's) against the replay.
      await run(process.execPath, [cli, 'train', ...common, '--server', `127.0.0.1:${port}`, '--session-prefix', 'train', '--run-name', 'replayed'], { timeout: 90_000 });
      replay.kill('SIGINT');
      await exited;
      const [, served, unmatched, remaining] = /served (\d+), unmatched (\d+), not asked for (\d+)/.exec(output) ?? [];
      // Every move and restart is asked for again; how often a seat polls the state depends on timing, so some polls may stay unasked.
      expect(Number(served), output).toBeGreaterThan(0);
      expect(Number(served) + Number(remaining)).toBe(Number(recorded));
      // At most the bot's last long poll, cut off in process when the recorded run closed.
      expect(Number(unmatched), output).toBeLessThanOrEqual(1);
      expect(await metrics('replayed')).toEqual(await metrics('recorded'));
    } finally {
      replay.kill('SIGKILL');
    }
  }, 240_000);
});
