import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../collect/collect.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { QueueError } from './errors.ts';
import { queueShardRunner, redisConnection } from './queue.ts';
import { waitFor } from '../../src/testing/wait.ts';
import { collectionIds, freePort, removeQueue, spawnCli, startRedis, type Cli } from '../testing/distributed.ts';

// The machine's Redis (CI starts it, see .ci/run); every test uses a queue of its own and removes it.
const REDIS = 'redis://127.0.0.1:6379';

let root: string;
const workers: Cli[] = [];
const queues: Array<[string, string]> = [];
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'gsg-queue-test-'));
});
afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  for (const [url, name] of queues) if (url === REDIS) await removeQueue(url, name);
  await rm(root, { recursive: true, force: true });
}, 30_000);

const quiet = { log: () => {}, progress: false };
const config = (out: string, episodes = 600, shardEpisodes = 200) => ({ game: 'TicTacToe', episodes, shardEpisodes, sessions: 4, out });
const uniqueQueue = (url: string): string => {
  const name = `gg-test-${randomBytes(6).toString('hex')}`;
  queues.push([url, name]);
  return name;
};
const worker = (url: string, name: string, env: Record<string, string> = {}): Cli => {
  const w = spawnCli(['worker', '--queue', url, '--queue-name', name, '--lock-seconds', '1'], env);
  workers.push(w);
  return w;
};
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('collect --queue and game-gym worker (real Redis)', () => {
  it('retries the job of a worker killed with -9 mid-job: no lost or duplicated episode, the same shards as one process', async () => {
    const name = uniqueQueue(REDIS);
    const reference = path.join(root, 'reference');
    await collect(config(reference), quiet);
    const out = path.join(root, 'killed');
    const first = worker(REDIS, name);
    const run = collect(config(out), { ...quiet, runner: queueShardRunner({ url: REDIS, name }) });
    // Kill the first worker once it has a job and has played some of it.
    await waitFor(() => /job (\S+): shard/.test(first.output()), 'the first worker to take a job', 30_000, 50);
    await new Promise((r) => setTimeout(r, 300));
    // The job it is playing now: the last one it took (an earlier one may be done already).
    const killedJob = [...first.output().matchAll(/job (\S+): shard/g)].at(-1)?.[1] as string;
    first.child.kill('SIGKILL');
    await first.exited;
    const second = worker(REDIS, name);
    const result = await run;
    expect(result.complete).toBe(true);
    expect(second.output()).toContain(`job ${killedJob}: shard`);
    const ids = await collectionIds(out);
    expect(ids.episodeIds).toEqual(range(600));
    expect(ids.rows).toBe(ids.manifest.counts.steps);
    expect(ids.manifest.shards).toEqual((await collectionIds(reference)).manifest.shards);

    // Payloads stay small: a job holds the config and a shard number, its result a manifest entry.
    const queue = new Queue(name, { connection: redisConnection(REDIS) });
    const job = await queue.getJob(`${killedJob}`);
    expect(JSON.stringify(job?.data).length).toBeLessThan(2000);
    expect(JSON.stringify(job?.returnvalue).length).toBeLessThan(500);
    await queue.close();
    second.child.kill('SIGTERM');
  }, 90_000);

  it('a worker of another code version refuses the job with one clear line; a matching worker then does it', async () => {
    const name = uniqueQueue(REDIS);
    const out = path.join(root, 'versions');
    const stranger = worker(REDIS, name, { GAME_GYM_CODE_VERSION: '0.0.0+other' });
    const run = collect(config(out, 200, 200), { ...quiet, runner: queueShardRunner({ url: REDIS, name }) });
    expect(await stranger.exited).toBe(1);
    expect(stranger.output()).toMatch(
      /game-gym worker: refused: job collect-\w+-shard-0 was submitted by code version 0\.1\.0\+\w+, this worker runs 0\.0\.0\+other: run the same version of game-server-gym on every machine/,
    );
    const good = worker(REDIS, name);
    expect((await run).complete).toBe(true);
    expect((await collectionIds(out)).episodeIds).toEqual(range(200));
    good.child.kill('SIGTERM');
  }, 60_000);

  it('waits through a Redis restart and completes; Redis gone past --queue-timeout stops with one line, and --resume completes', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    let redis: ChildProcess = await startRedis(port);
    const restart = async (): Promise<void> => {
      redis.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 500));
      redis = await startRedis(port);
    };
    try {
      const name = uniqueQueue(url);
      const out = path.join(root, 'restart');
      const lines: string[] = [];
      const w = worker(url, name);
      const run = collect(config(out), { log: (l) => lines.push(l), progress: false, runner: queueShardRunner({ url, name, waitMs: 20_000 }) });
      await waitFor(() => /job \S+: shard/.test(w.output()), 'the worker to take a job', 30_000, 50);
      // The restarted Redis keeps nothing (no persistence): the submitter submits the lost jobs again.
      await restart();
      expect((await run).complete).toBe(true);
      expect(lines.join('\n')).toMatch(/no longer in Redis: submitted again/);
      expect((await collectionIds(out)).episodeIds).toEqual(range(600));

      const out2 = path.join(root, 'gone');
      w.child.kill('SIGKILL');
      redis.kill('SIGKILL');
      const error = await collect(config(out2), { ...quiet, runner: queueShardRunner({ url, name, waitMs: 1_500 }) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueueError);
      expect((error as Error).message).toMatch(
        new RegExp(`^Redis at ${url} did not answer for 2 s while submitting the shard jobs: start it again, then run the same command with --resume$`),
      );
      redis = await startRedis(port);
      const w2 = worker(url, name);
      const resumed = await collect(config(out2), { ...quiet, resume: true, runner: queueShardRunner({ url, name }) });
      expect(resumed.complete).toBe(true);
      expect((await collectionIds(out2)).episodeIds).toEqual(range(600));
      w2.child.kill('SIGTERM');
    } finally {
      redis.kill('SIGKILL');
    }
  }, 120_000);

  it('refuses a malformed --queue at the boundary, in one line from the CLI', async () => {
    expect(() => redisConnection('localhost:6379')).toThrow(new InvalidOptionError('Expected queue to be redis://HOST:PORT (optionally /DB), got "localhost:6379"'));
    expect(redisConnection('redis://127.0.0.1:6380/2')).toMatchObject({ host: '127.0.0.1', port: 6380, db: 2 });
    const cli = spawnCli(['worker', '--queue', 'http://127.0.0.1:6379']);
    expect(await cli.exited).toBe(1);
    expect(cli.output().trim()).toBe('game-gym worker: Expected queue to be redis://HOST:PORT (optionally /DB), got "http://127.0.0.1:6379"');
  }, 30_000);
});
