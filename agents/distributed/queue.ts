/**
 * Jobs on Redis (BullMQ): `collect --queue redis://HOST:PORT` splits the
 * collection into one job per shard; `game-gym worker` processes (any number,
 * on any machine) play them and write the shards into the collection's
 * folder, which must be on a file system they all share; the submitting
 * command waits, shows the progress and keeps the manifest.
 *
 * Delivery is at least once (a worker killed mid-job has its job retried, a
 * lost job is submitted again); the output is exactly once: job ids are
 * fixed by the collection and the shard, a shard is written under a
 * temporary name and renamed (a second play leaves one whole file with the
 * same episode ids), and the manifest lists each shard once, with the
 * checksum of the file as it is on disk. Jobs hold the config and a shard
 * number, results a manifest entry: no data goes through Redis.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DelayedError, Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { ShardPlayer, type ShardRunner, type ShardRunnerHooks } from '../collect/collect.ts';
import type { CollectConfig } from '../collect/config.ts';
import { policyIdentity, resolvePolicy, type ResolvedPolicy } from '../collect/policies.ts';
import { readShard, sha256File, type ShardEntry } from '../collect/shards.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { QueueError, WorkerRefusedError } from './errors.ts';
import { EVALUATE_JOB, EvaluateJobs, type EvaluateUnitJob } from './evaluate.ts';
import type { UnitResult } from '../tournament/tournament.ts';
import { sleep } from '../../src/core/sleep.ts';

/** The default queue name (`--queue-name`). */
export const DEFAULT_QUEUE_NAME = 'game-gym';
const JOB_NAME = 'collect-shard';
const POLL_MS = 250;
/** How long one round of questions to Redis may take before it counts as not answering. */
const ROUND_TIMEOUT_MS = 5_000;
const JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/** What a shard job carries: the resolved config and the shard's number, never data. */
export interface CollectShardJob {
  run: string;
  shard: number;
  config: CollectConfig;
  /** Each seat's policy identity (bot name, or checkpoint kind and content hash). */
  identities: string[];
  codeVersion: string;
}

/** Parses `redis://HOST:PORT[/DB]` into connection options; throws InvalidOptionError otherwise. */
export function redisConnection(url: string): ConnectionOptions & { host: string; port: number; db: number } {
  const match = /^redis:\/\/([^:/?#\s]+|\[[0-9a-fA-F:]+\]):(\d{1,5})(?:\/(\d{1,2}))?\/?$/.exec(String(url));
  const port = Number(match?.[2]);
  if (!match || !(port > 0 && port < 65536)) {
    throw new InvalidOptionError(`Expected queue to be redis://HOST:PORT (optionally /DB), got ${JSON.stringify(url)}`);
  }
  // maxRetriesPerRequest null: commands wait through a Redis restart instead of failing after 20 reconnections.
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port, db: Number(match[3] ?? 0), maxRetriesPerRequest: null };
}

/** Checks `--queue-name`: what BullMQ allows in a key. */
export function checkQueueName(name: unknown): string {
  if (!(typeof name === 'string' && /^[A-Za-z0-9_.-]{1,100}$/.test(name))) {
    throw new InvalidOptionError(`Expected queue name to be 1-100 letters, digits, "_", "." or "-", got ${JSON.stringify(name)}`);
  }
  return name;
}

let cachedVersion: string | undefined;

/**
 * The version of this code: package version and a hash of every source file
 * (src, agents, scripts). Workers refuse jobs of another version.
 * `GAME_GYM_CODE_VERSION` overrides it (to test a mixed fleet).
 */
export function codeVersion(): string {
  if (process.env.GAME_GYM_CODE_VERSION) return process.env.GAME_GYM_CODE_VERSION;
  if (cachedVersion) return cachedVersion;
  const root = fileURLToPath(new URL('../../', import.meta.url));
  // Compiled, the code sits in dist/ and package.json one folder above it.
  const pkgRoot = existsSync(path.join(root, 'package.json')) ? root : path.dirname(root);
  const hash = createHash('sha256');
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (/\.(ts|js)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) hash.update(child).update(readFileSync(path.join(root, child)));
    }
  };
  for (const dir of ['src', 'agents', 'scripts']) if (existsSync(path.join(root, dir))) walk(dir);
  const pkg = JSON.parse(readFileSync(path.join(pkgRoot, 'package.json'), 'utf8')) as { version: string };
  cachedVersion = `${pkg.version}+${hash.digest('hex').slice(0, 12)}`;
  return cachedVersion;
}

/** The id of a collection in job ids: its data-defining config, policies and absolute folder. */
export function collectionRunId(config: CollectConfig, identities: string[]): string {
  const { game, players, sessions, episodes, shardEpisodes, format, rawState, sample, seed } = config;
  const key = JSON.stringify({ game, players, sessions, episodes, shardEpisodes, format, rawState, sample, seed, identities, out: path.resolve(config.out) });
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

const jobId = (run: string, shard: number): string => `collect-${run}-shard-${shard}`;

/** `work`, or a QueueError "Redis did not answer" after `ms`. */
export function within<T>(work: Promise<T>, ms: number, pending: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueError(`Redis did not answer within ${ms} ms (pending: ${pending})`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Options of `queueShardRunner`. */
export interface QueueRunnerOptions {
  url: string;
  name?: string;
  /** How long Redis may not answer before the collection stops (it continues with --resume). Default 60 s. */
  waitMs?: number;
}

/** A `collect` runner that submits one job per shard to the queue and waits for `game-gym worker`s to play them. */
export function queueShardRunner(options: QueueRunnerOptions): (config: CollectConfig, resolved: ResolvedPolicy[], log: (line: string) => void) => Promise<ShardRunner> {
  const connection = redisConnection(options.url);
  const name = checkQueueName(options.name ?? DEFAULT_QUEUE_NAME);
  const waitMs = options.waitMs ?? 60_000;
  if (!(Number.isFinite(waitMs) && waitMs > 0)) throw new InvalidOptionError(`Expected queue timeout to be a positive number of seconds, got ${JSON.stringify(waitMs / 1000)}`);
  return async (config, resolved, log) => {
    const queue = new Queue<CollectShardJob>(name, { connection });
    // Outages are reported by the waiting loop below, once, not per reconnection attempt.
    queue.on('error', () => {});
    const identities = resolved.map(policyIdentity);
    const run = collectionRunId(config, identities);
    log(
      `queue ${options.url} "${name}": collection ${run}, code version ${codeVersion()}; start workers with: game-gym worker --queue ${options.url}${name === DEFAULT_QUEUE_NAME ? '' : ` --queue-name ${name}`}`,
    );
    return {
      run: (from, to, hooks) => submitAndWait(queue, { run, config, identities, url: options.url, waitMs, log }, from, to, hooks),
      meanBatch: () => null,
      close: async () => {
        await within(queue.close(), ROUND_TIMEOUT_MS, 'closing the queue').catch(() => queue.disconnect());
      },
    };
  };
}

interface Submission {
  run: string;
  config: CollectConfig;
  identities: string[];
  url: string;
  waitMs: number;
  log: (line: string) => void;
}

/** Submits the shards' jobs, then polls them until every shard is written (or the signal stops it). */
async function submitAndWait(queue: Queue<CollectShardJob>, s: Submission, from: number, to: number, hooks: ShardRunnerHooks): Promise<boolean> {
  const version = codeVersion();
  const data = (shard: number): CollectShardJob => ({ run: s.run, shard, config: s.config, identities: s.identities, codeVersion: version });
  const add = (shard: number): Promise<unknown> => queue.add(JOB_NAME, data(shard), { jobId: jobId(s.run, shard), ...JOB_OPTIONS });
  const pending = new Set<number>();
  for (let shard = from; shard < to; shard++) pending.add(shard);
  const counted = new Map<number, { episodes: number; steps: number }>();

  const submit = async (): Promise<void> => {
    for (const shard of pending) {
      // A finished job of an earlier run of this collection (its shard was not listed, so it is played again).
      const old = await queue.getJob(jobId(s.run, shard));
      const state = old ? await old.getState() : undefined;
      if (old && (state === 'completed' || state === 'failed')) await old.remove();
      await add(shard);
    }
  };

  const poll = async (): Promise<void> => {
    for (const shard of [...pending]) {
      if (hooks.signal?.aborted) return;
      const job = await queue.getJob(jobId(s.run, shard));
      if (!job) {
        // Redis lost the job (restarted without persistence, or flushed): submit it again.
        s.log(`job of shard ${shard} is no longer in Redis: submitted again`);
        await add(shard);
        continue;
      }
      const state = await job.getState();
      if (state === 'failed') {
        throw new QueueError(`Shard ${shard} failed on every attempt (${job.attemptsMade}): ${job.failedReason}. Fix the cause, then run the same command with --resume`);
      }
      // The job may complete between reading it and reading its state: its result then comes with the next poll.
      if (state === 'completed' && job.returnvalue == null) continue;
      const entry = state === 'completed' ? await entryOnDisk(s.config.out, job.returnvalue as ShardEntry) : undefined;
      const progress = entry ?? (job.progress as { episodes?: number; steps?: number } | number);
      if (typeof progress === 'object' && progress.episodes !== undefined) {
        const before = counted.get(shard) ?? { episodes: 0, steps: 0 };
        const steps = progress.steps ?? 0;
        // A retried job starts its progress again from 0: count each shard's episodes once.
        if (progress.episodes > before.episodes) {
          hooks.onPlayed(progress.episodes - before.episodes, Math.max(0, steps - before.steps));
          counted.set(shard, { episodes: progress.episodes, steps: Math.max(steps, before.steps) });
        }
      }
      if (entry) {
        pending.delete(shard);
        await hooks.onShard(entry);
      }
    }
  };

  let lastOk = Date.now();
  let down = false;
  let submitted = false;
  while (pending.size && !hooks.signal?.aborted) {
    try {
      if (!submitted) await within(submit(), Math.max(ROUND_TIMEOUT_MS, pending.size * 50), 'submitting the shard jobs');
      submitted = true;
      await within(poll(), Math.max(ROUND_TIMEOUT_MS, pending.size * 50), `the state of ${pending.size} shard job(s)`);
      lastOk = Date.now();
      if (down) s.log(`Redis at ${s.url} answers again`);
      down = false;
    } catch (error) {
      if (!(error instanceof QueueError && error.message.startsWith('Redis did not answer'))) throw error;
      if (Date.now() - lastOk > s.waitMs) {
        const list = [...pending].slice(0, 10).join(', ') + (pending.size > 10 ? ', ...' : '');
        throw new QueueError(
          `Redis at ${s.url} did not answer for ${Math.round(s.waitMs / 1000)} s while ${submitted ? `waiting for shard(s) ${list}` : 'submitting the shard jobs'}: start it again, then run the same command with --resume`,
        );
      }
      if (!down) s.log(`Redis at ${s.url} is not answering: waiting up to ${Math.round(s.waitMs / 1000)} s for it`);
      down = true;
    }
    if (pending.size) await sleep(POLL_MS, hooks.signal);
  }
  if (hooks.signal?.aborted) {
    // Jobs not started yet are withdrawn; running ones finish and their shards are played again on --resume.
    await within(
      Promise.all(
        [...pending].map(async (shard) => {
          const job = await queue.getJob(jobId(s.run, shard));
          if (job && (await job.getState()) !== 'active') await job.remove().catch(() => {});
        }),
      ),
      ROUND_TIMEOUT_MS,
      'withdrawing the waiting jobs',
    ).catch(() => {});
    return false;
  }
  return true;
}

/**
 * A completed job's manifest entry, checked against the file on disk: when
 * two plays of the shard raced (a job retried while its first worker was
 * still writing), the file is whole but may be the other play's, so its own
 * size, checksum and row count go into the manifest.
 */
async function entryOnDisk(out: string, entry: ShardEntry): Promise<ShardEntry> {
  const file = path.join(out, entry.file);
  if (!existsSync(file)) {
    throw new QueueError(`A worker reported shard ${entry.index} written, but ${file} is not there: is --out on a file system shared by every worker and this machine?`);
  }
  const [size, sum] = [(await stat(file)).size, await sha256File(file)];
  if (size === entry.bytes && sum === entry.sha256) return entry;
  const rows = await readShard(file);
  return { ...entry, bytes: size, sha256: sum, steps: rows.length };
}

/** Options of `runWorker`. */
export interface WorkerOptions {
  url: string;
  name?: string;
  /** How long a job's lock lasts without renewal: a worker killed mid-job has it retried after about this long. Default 30 s. */
  lockMs?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** What a worker did when it stopped. */
export interface WorkerResult {
  jobs: number;
  /** Set when the worker stopped because it refused a job (another code version, files it cannot see). */
  refused?: WorkerRefusedError;
}

/**
 * `game-gym worker`: takes shard jobs from the queue until `signal` fires (it
 * finishes the job it has first) or it refuses a job. A refused job goes
 * back to the queue for another worker.
 */
export async function runWorker(options: WorkerOptions): Promise<WorkerResult> {
  const connection = redisConnection(options.url);
  const name = checkQueueName(options.name ?? DEFAULT_QUEUE_NAME);
  const lockMs = options.lockMs ?? 30_000;
  if (!(Number.isInteger(lockMs) && lockMs >= 500)) throw new InvalidOptionError(`Expected lock to be at least 500 ms, got ${JSON.stringify(lockMs)}`);
  const log = options.log ?? ((line: string) => console.log(line));
  const version = codeVersion();
  const me = `${os.hostname()}:${process.pid}`;
  let jobs = 0;
  let refused: WorkerRefusedError | undefined;
  let current: { run: string; player: Promise<ShardPlayer> } | undefined;

  const check = async (job: Job<CollectShardJob>): Promise<ResolvedPolicy[]> => {
    const d = job.data;
    if (d.codeVersion !== version) {
      throw new WorkerRefusedError(
        `job ${job.id} was submitted by code version ${d.codeVersion}, this worker runs ${version}: run the same version of game-server-gym on every machine`,
      );
    }
    if (!existsSync(path.join(d.config.out, 'manifest.json'))) {
      throw new WorkerRefusedError(
        `job ${job.id} writes to ${d.config.out}, which this machine does not see (no manifest.json there): --out must be on a file system shared by every worker`,
      );
    }
    const resolved = await Promise.all(d.config.policies.map((p) => resolvePolicy(p, d.config.game)));
    const mine = resolved.map(policyIdentity);
    if (JSON.stringify(mine) !== JSON.stringify(d.identities)) {
      throw new WorkerRefusedError(
        `job ${job.id} wants policies ${d.identities.join(', ')}, this machine has ${mine.join(', ')}: checkpoints must be the same files on every machine`,
      );
    }
    return resolved;
  };

  const evaluateJobs = new EvaluateJobs();
  const worker = new Worker<CollectShardJob, ShardEntry | UnitResult>(
    name,
    async (job, token) => {
      let resolved: ResolvedPolicy[];
      try {
        if (job.name === EVALUATE_JOB) {
          const unit = job as unknown as Job<EvaluateUnitJob>;
          log(`job ${job.id}: unit ${unit.data.unit.index} of an evaluate of ${unit.data.config.agents.join(', ')} (attempt ${job.attemptsMade + 1})`);
          const result = await evaluateJobs.process(unit, version);
          jobs++;
          return result;
        }
        resolved = await check(job);
      } catch (error) {
        if (!(error instanceof WorkerRefusedError)) throw error;
        refused ??= error;
        // Back to the queue, without using one of its attempts, for a worker that can run it.
        await job.moveToDelayed(Date.now() + 1_000, token);
        setImmediate(() => void worker.close());
        throw new DelayedError();
      }
      if (current?.run !== job.data.run) {
        const old = current;
        current = { run: job.data.run, player: ShardPlayer.open(job.data.config, resolved, log) };
        await old?.player.then(
          (p) => p.close(),
          () => {},
        );
      }
      const player = await current.player;
      let last = 0;
      let episodes = 0;
      let steps = 0;
      log(`job ${job.id}: shard ${job.data.shard} of ${job.data.config.out} (attempt ${job.attemptsMade + 1})`);
      const entry = await player.play(job.data.shard, undefined, (rows) => {
        episodes++;
        steps += rows;
        if (performance.now() - last > 500) {
          last = performance.now();
          job.updateProgress({ episodes, steps }).catch(() => {});
        }
      });
      jobs++;
      return entry as ShardEntry;
    },
    // One job at a time: a shard already plays many sessions at once; run a worker per core for more.
    { connection, concurrency: 1, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 5 },
  );
  let down = false;
  worker.on('error', (error) => {
    if (!down) log(`Redis at ${options.url}: ${error.message}; waiting for it (the worker reconnects)`);
    down = true;
  });
  worker.on('ready', () => {
    if (down) log(`Redis at ${options.url} answers again`);
    down = false;
  });
  worker.on('failed', (job, error) => {
    if (job && !(error instanceof DelayedError)) log(`job ${job.id} failed (attempt ${job.attemptsMade}): ${error.message}`);
  });
  log(`worker ${me} on ${options.url} queue "${name}", code version ${version}`);
  const closed = new Promise<void>((resolve) => worker.once('closed', () => resolve()));
  options.signal?.addEventListener('abort', () => void worker.close(), { once: true });
  await closed;
  await current?.player.then(
    (p) => p.close(),
    () => {},
  );
  await evaluateJobs.close();
  return refused ? { jobs, refused } : { jobs };
}
