import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from '../training/trainer.ts';
import { QueueError } from './errors.ts';
import { redisExperience, runKeys } from './redis-training.ts';
import { freePort, spawnCli, startRedis, type Cli } from '../testing/distributed.ts';
import { waitFor } from '../../src/testing/wait.ts';

// The machine's Redis (CI starts it, see .ci/run); every test uses runs of its own and removes their keys.
const REDIS = 'redis://127.0.0.1:6379';

let root: string;
let redis: Redis;
const actors: Cli[] = [];
const runs: string[] = [];
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'gsg-redis-train-'));
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  for (const a of actors) if (a.child.exitCode === null) a.child.kill('SIGKILL');
  for (const run of runs) await redis.del(...Object.values(runKeys(run)));
  redis.disconnect();
  await rm(root, { recursive: true, force: true });
}, 30_000);

const uniqueRun = (): string => {
  const run = `gg-test-${randomBytes(6).toString('hex')}`;
  runs.push(run);
  return run;
};
const actor = (run: string, env: Record<string, string> = {}, extra: string[] = []): Cli => {
  const a = spawnCli(['actor', '--queue', REDIS, '--run', run, '--queue-timeout', '60', ...extra], env);
  actors.push(a);
  return a;
};
/** The highest step a training log line reported. */
const lastStep = (lines: string[]): number => Math.max(0, ...lines.map((l) => Number(/^step (\d+):/.exec(l)?.[1] ?? 0)));
const config = (runName: string, steps: number) => ({
  game: 'TicTacToe',
  agent: 'dqn' as const,
  envs: 4,
  steps,
  evalEvery: 100_000,
  evalGames: 20,
  evalOpponents: ['random'],
  logEvery: 500,
  checkpointEvery: 500,
  out: root,
  runName,
  agentConfig: { learningStarts: 200 },
});

describe('train --queue and game-gym actor (real Redis)', () => {
  it('learns from actors that join any time; an actor killed with -9 is replaced without stopping the learner; --resume continues the run', async () => {
    const run = uniqueRun();
    const lines: string[] = [];
    const log = (l: string): void => void lines.push(l);
    const stop = new AbortController();
    const first = actor(run);
    const learner = train(config('redis-run', 100_000), { progress: false, log, signal: stop.signal, experience: redisExperience({ url: REDIS, run, publishMs: 100 }) });
    await waitFor(() => lines.some((l) => /^actor 1 joined/.test(l)), 'the first actor to join', 90_000, 50);
    await waitFor(() => lastStep(lines) >= 500, 'the learner to learn from it', 90_000, 50);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = actor(run);
    await waitFor(() => lines.some((l) => /^actor 2 joined/.test(l)), 'the replacement actor to join', 90_000, 50);
    const before = lastStep(lines);
    await waitFor(() => lastStep(lines) >= before + 500, 'the learner to go on with the replacement', 90_000, 50);
    // The learner stops (Ctrl-C) with a checkpoint; the actor waits for it.
    stop.abort();
    const stopped = await learner;
    expect(stopped.envSteps).toBeLessThan(100_000);
    expect(second.child.exitCode).toBe(null);
    const total = stopped.envSteps + 1_500;
    const resumed = await train({ steps: total }, { progress: false, log, experience: redisExperience({ url: REDIS, run, publishMs: 100 }) }, stopped.runDir);
    expect(resumed.envSteps).toBeGreaterThanOrEqual(total);
    expect(lines.filter((l) => l.startsWith('resuming')).length).toBe(1);
    // The run is done: its actors stop by themselves.
    expect(await second.exited).toBe(0);
    expect(second.output()).toMatch(/finished: actor 2 stops/);
    expect(lines.filter((l) => /^step \d+:.* lag \d/.test(l)).length).toBeGreaterThanOrEqual(4);
    expect(await redis.get(runKeys(run).status)).toBe('done');
    expect(await redis.exists(runKeys(run).stream)).toBe(0);
  }, 300_000);

  it('refuses an actor of another code version, or for another game, with one clear line', async () => {
    const run = uniqueRun();
    const stop = new AbortController();
    const lines: string[] = [];
    const learner = train(config('redis-refuse', 100_000), { progress: false, log: (l) => lines.push(l), signal: stop.signal, experience: redisExperience({ url: REDIS, run }) });
    try {
      await waitFor(() => lines.some((l) => l.startsWith(`run "${run}"`)), 'the learner to publish its run', 60_000, 50);
      const other = actor(run, { GAME_GYM_CODE_VERSION: '0.0.0+other' });
      const game = actor(run, {}, ['--game', 'Yahtzee']);
      expect(await other.exited).toBe(1);
      expect(other.output().trim().split('\n').at(-1)).toMatch(
        new RegExp(
          `^game-gym actor: refused: run "${run}" is trained by code version \\S+, this actor runs 0\\.0\\.0\\+other: run the same version of game-server-gym on every machine$`,
        ),
      );
      expect(await game.exited).toBe(1);
      expect(game.output().trim().split('\n').at(-1)).toBe(`game-gym actor: refused: run "${run}" trains TicTacToe, this actor was started for Yahtzee`);
    } finally {
      stop.abort();
      await learner;
    }
  }, 120_000);

  it('stops with one line naming the --resume command when Redis is gone longer than --queue-timeout; resumed once Redis is back', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    let server = await startRedis(port);
    const run = 'gg-restart';
    const lines: string[] = [];
    const log = (l: string): void => void lines.push(l);
    const learner = train(config('redis-restart', 100_000), { progress: false, log, experience: redisExperience({ url, run, waitMs: 3_000 }) });
    const a = spawnCli(['actor', '--queue', url, '--run', run, '--queue-timeout', '3']);
    actors.push(a);
    try {
      await waitFor(() => lastStep(lines) >= 500, 'the learner to learn from the actor', 90_000, 50);
      server.kill('SIGKILL');
      const error = await learner.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(QueueError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^Redis at ${url} did not answer for 3 s \\(.+\\): the learner stopped; start Redis again, then continue with: game-gym train --resume \\S+redis-restart --queue ${url} --run ${run}$`,
        ),
      );
      // The actor stops too, with one line.
      expect(await a.exited).toBe(1);
      expect(a.output().trim().split('\n').at(-1)).toMatch(new RegExp(`^game-gym actor: Redis at ${url} did not answer for 3 s`));
      // Redis back (empty: no persistence): the run resumes from its checkpoint with a new actor.
      server = await startRedis(port);
      const b = spawnCli(['actor', '--queue', url, '--run', run, '--queue-timeout', '60']);
      actors.push(b);
      const resumed = await train({ steps: 4_000 }, { progress: false, log, experience: redisExperience({ url, run }) }, path.join(root, 'redis-restart'));
      expect(resumed.envSteps).toBeGreaterThanOrEqual(4_000);
      expect(await b.exited).toBe(0);
    } finally {
      server.kill('SIGKILL');
    }
  }, 300_000);
});
