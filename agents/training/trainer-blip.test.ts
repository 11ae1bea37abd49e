import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from '../../src/server/child.ts';
import { train } from './trainer.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Kills the child server (kill -9) `afterMs` after the run folder is logged; resolves when it is dead. */
function killer(child: ChildServer, afterMs: number): { log: (line: string) => void; killed: Promise<void> } {
  let fire: () => void = () => {};
  const started = new Promise<void>((resolve) => (fire = resolve));
  const killed = started.then(async () => {
    await sleep(afterMs);
    const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
    child.process.kill('SIGKILL');
    await exited;
  });
  return { log: (line) => line.startsWith('run folder') && fire(), killed };
}

describe('train over TCP when the server goes away', () => {
  let out: string;
  const children: ChildServer[] = [];
  beforeAll(async () => {
    out = await mkdtemp(path.join(os.tmpdir(), 'gsg-train-blip-'));
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => c.stop()));
    await rm(out, { recursive: true, force: true });
  });

  it('rejoins new sessions when the server is back within seconds, counting the lost episodes as truncated', async () => {
    const first = await startChildServer({ seed: 'blip' });
    children.push(first);
    const lines: string[] = [];
    const k = killer(first, 500);
    // The server comes back once the trainer has seen it gone (the client's own connection retries can hide a short gap).
    let noticed: () => void = () => {};
    const lost = new Promise<void>((resolve) => (noticed = resolve));
    const run = train(
      // Enough steps that the server dies mid-run even on a fast machine (about 1,000 TCP steps/s).
      { agent: 'tabular-q', steps: 3000, envs: 4, evalEvery: 100_000, evalGames: 10, checkpointEvery: 100_000, out, server: `127.0.0.1:${first.port}` },
      {
        progress: false,
        log: (line) => (lines.push(line), line.includes('lost the game server') && noticed(), k.log(line)),
        reconnectDelaysMs: [200, 400, 800, 1600, 3200, 6400],
      },
    );
    await k.killed;
    await Promise.race([lost, sleep(30_000)]);
    children.push(await startChildServer({ seed: 'blip', port: first.port }));
    const result = await run;
    expect(result.envSteps).toBeGreaterThanOrEqual(3000);
    expect(lines.some((l) => l.includes('lost the game server (E_CONN_'))).toBe(true);
    expect(lines.find((l) => l.includes('back on the game server'))).toMatch(/[1-9]\d* episodes lost so far, counted as truncated/);
  }, 60_000);

  it('stops with a checkpoint and one clear error when the server stays away', async () => {
    const child = await startChildServer({ seed: 'gone' });
    children.push(child);
    const k = killer(child, 500);
    const run = train(
      { agent: 'tabular-q', steps: 100_000, envs: 4, evalEvery: 100_000, evalGames: 10, checkpointEvery: 100_000, out, server: `127.0.0.1:${child.port}` },
      { progress: false, log: k.log, reconnectDelaysMs: [100, 200] },
    );
    const error = (await run.catch((e: unknown) => e)) as { code?: string; message: string };
    expect(error.code).toBe('E_SERVER_LOST');
    expect(error.message).toMatch(
      /^Lost the game server 127\.0\.0\.1:\d+ \(E_CONN_REFUSED: .*\) and it did not come back within 0\.3 s; checkpoint saved at \d+ env steps; continue with: game-gym train --resume /,
    );
    const runDir = /--resume (.*)$/.exec(error.message)![1]!;
    expect(existsSync(path.join(runDir, 'checkpoint', 'trainer.json'))).toBe(true);
  }, 60_000);
});
