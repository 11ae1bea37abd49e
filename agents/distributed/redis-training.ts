/**
 * Training over Redis: `game-gym train --queue redis://HOST:PORT --run NAME`
 * is the learner, `game-gym actor --queue ... --run NAME` (any number, on
 * any machine, joining and leaving at any time) are the actors. Keys, all
 * under `game-gym:train:NAME:`:
 * - `meta`: the run's config, the learner's spec and code version (actors
 *   of another version, or whose game has other sizes, are refused);
 * - `weights` and `version`: the newest acting weights in compact binary
 *   and their version, plain keys that actors poll between steps;
 * - `stream`: a Redis Stream of packed transition batches (experience.ts),
 *   one entry per batch, trimmed up to what the learner has consumed; actors
 *   wait while it is long (backpressure);
 * - `status`: `running`, or `done` when the learner has finished (actors exit).
 * The learner's checkpoint and `--resume` cover the run: actors keep the
 * run going across a learner restart (they wait for it), and an actor that
 * dies is simply missing until another one starts.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import type { LearnerSpec } from '../agent.ts';
import type { ExperienceSource, ExperienceSourceFactory, TrainConfig } from '../training/trainer.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { initBackend } from '../tf/backend.ts';
import { actLoop, actingCopy, checkActorConfig, type PublishedWeights } from './acting.ts';
import { QueueError, WorkerRefusedError } from './errors.ts';
import { packWeights, unpackExperience, unpackWeights } from './experience.ts';
import { codeVersion, redisConnection, within } from './queue.ts';
import { sleep } from '../../src/core/sleep.ts';
import { LagMeter } from './train-actors.ts';

/** Stream entries the actors may run ahead of the learner before they wait. */
const MAX_STREAM = 32;
const POLL_MS = 200;
/** Seconds within which an actor counts as present (it sent a batch). */
const PRESENT_MS = 10_000;

/** What the learner publishes about its run. */
export interface RunMeta {
  codeVersion: string;
  config: TrainConfig;
  spec: LearnerSpec;
  learner: string;
}

/** Checks `--run`: a name for the run's Redis keys. */
export function checkRunName(name: unknown): string {
  if (!(typeof name === 'string' && /^[\w.-]{1,100}$/.test(name))) {
    throw new InvalidOptionError(`Expected --run to be a name of 1-100 letters, digits, '.', '-' or '_' (the same for the learner and its actors), got ${JSON.stringify(name)}`);
  }
  return name;
}

/** The Redis keys of a run. */
export function runKeys(run: string): { meta: string; weights: string; version: string; stream: string; status: string; actors: string } {
  const p = `game-gym:train:${checkRunName(run)}:`;
  return { meta: `${p}meta`, weights: `${p}weights`, version: `${p}version`, stream: `${p}stream`, status: `${p}status`, actors: `${p}actors` };
}

function connect(url: string): Redis {
  const redis = new Redis(redisConnection(url) as RedisOptions);
  // Outages show as timeouts of the rounds below, with one clear line; not as an error event per reconnection.
  redis.on('error', () => {});
  return redis;
}

/** Options of `redisExperience`. */
export interface RedisTrainOptions {
  url: string;
  run: string;
  /** How long Redis may not answer before the learner stops (it continues with --resume). Default 60 s. */
  waitMs?: number;
  /** Milliseconds between two weight publications. Default 250. */
  publishMs?: number;
}

/** The experience source of `train --queue`: the learner's side (see the file's comment). */
export function redisExperience(options: RedisTrainOptions): ExperienceSourceFactory {
  const keys = runKeys(options.run);
  redisConnection(options.url);
  const waitMs = options.waitMs ?? 60_000;
  const publishMs = options.publishMs ?? 250;
  return async ({ config, spec, agent: learner, runDir, log }) => {
    checkActorConfig(config);
    const agent = actingCopy(learner);
    const redis = connect(options.url);
    const reader = connect(options.url);
    const meter = new LagMeter();
    const resuming = existsSync(path.join(runDir, 'checkpoint', 'trainer.json'));
    const stopLine = `the learner stopped; start Redis again, then continue with: game-gym train --resume ${runDir} --queue ${options.url} --run ${options.run}`;
    const round = <T>(work: Promise<T>, what: string): Promise<T> =>
      within(work, waitMs, what).catch((error: unknown) => {
        throw error instanceof QueueError ? new QueueError(`Redis at ${options.url} did not answer for ${Math.round(waitMs / 1000)} s (${what}): ${stopLine}`) : error;
      });
    const publish = async (): Promise<void> => {
      const packed = packWeights({ version: meter.version, state: agent.actingState() });
      await round(redis.multi().set(keys.weights, packed).set(keys.version, String(meter.version)).exec(), 'publishing the weights');
    };
    try {
      if (resuming) {
        // Versions go on from the run's last one, so actors that kept playing take the resumed weights.
        meter.version = Number(await round(redis.get(keys.version), 'reading the run')) + 1 || 1;
      } else {
        await round(redis.del(keys.stream, keys.weights, keys.version, keys.actors), 'clearing the run');
      }
      const meta: RunMeta = { codeVersion: codeVersion(), config, spec, learner: `${os.hostname()}:${process.pid}` };
      await round(redis.set(keys.meta, JSON.stringify(meta)), 'publishing the run');
      await publish();
      await round(redis.set(keys.status, 'running'), 'publishing the run');
    } catch (error) {
      redis.disconnect();
      reader.disconnect();
      throw error;
    }
    log(
      `run "${options.run}" on ${options.url}, code version ${codeVersion()}; start actors (any number, any machine) with: game-gym actor --queue ${options.url} --run ${options.run}`,
    );
    const seen = new Map<string, number>();
    let finished = false;
    const source: ExperienceSource = {
      run: async (learn, done, signal) => {
        let lastId = '0';
        let published = performance.now();
        let consumed = 0;
        while (!done() && !signal?.aborted) {
          // Blocks at most a second, so the signal and done() are seen.
          const reply = (await round(reader.xreadBuffer('COUNT', 16, 'BLOCK', 1000, 'STREAMS', keys.stream, lastId), 'reading experience')) as Array<
            [Buffer, Array<[Buffer, Buffer[]]>]
          > | null;
          for (const [id, fields] of reply?.[0]?.[1] ?? []) {
            lastId = id.toString();
            const data = fields[fields.findIndex((f, i) => i % 2 === 0 && f.toString() === 'd') + 1] as Buffer;
            const actor = fields[fields.findIndex((f, i) => i % 2 === 0 && f.toString() === 'a') + 1]?.toString() ?? '?';
            if (!seen.has(actor)) log(`actor ${actor} joined`);
            seen.set(actor, Date.now());
            const e = unpackExperience(data, spec.observationSize, spec.actionCount);
            meter.add(e.version, data.byteLength, e.batch.actions.length);
            await learn(e.batch, e.ends);
            consumed++;
            if (done() || signal?.aborted) break;
          }
          if (consumed >= 16) {
            // Entries up to what was consumed; never unconsumed ones (trimming by length could drop them).
            await round(redis.xtrim(keys.stream, 'MINID', lastId), 'trimming the stream');
            consumed = 0;
          }
          if (performance.now() - published >= publishMs) {
            published = performance.now();
            meter.version++;
            await publish();
          }
        }
        finished = done();
        await round(redis.xtrim(keys.stream, 'MINID', lastId), 'trimming the stream').catch(() => {});
      },
      stats: () => {
        const now = Date.now();
        return { ...meter.stats(), actors: [...seen.values()].filter((t) => now - t < PRESENT_MS).length };
      },
      close: async () => {
        // A finished run tells its actors to stop and leaves its keys for a day; a stopped one (resumed later) keeps its actors waiting.
        if (finished) {
          const ending = redis.multi().set(keys.status, 'done').del(keys.stream);
          for (const key of Object.values(keys)) ending.expire(key, 24 * 3600);
          await within(ending.exec(), 5_000, 'ending the run').catch(() => {});
        }
        redis.disconnect();
        reader.disconnect();
      },
    };
    return source;
  };
}

/** Options of `runActor`. */
export interface ActorOptions {
  url: string;
  run: string;
  /** The game this actor expects (refused when the run trains another). */
  game?: string;
  /** How long to wait for the run's learner (and for Redis). Default 60 s. */
  waitMs?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * `game-gym actor`: joins a run, plays with its newest weights and streams
 * the transitions to its learner until the learner finishes (status done)
 * or the signal fires. Throws WorkerRefusedError for another code version or
 * a game of other sizes. Returns the transitions sent.
 */
export async function runActor(options: ActorOptions): Promise<number> {
  const keys = runKeys(options.run);
  const waitMs = options.waitMs ?? 60_000;
  const log = options.log ?? ((line: string) => console.log(line));
  const redis = connect(options.url);
  const stop = new AbortController();
  const abort = (): void => stop.abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  const round = <T>(work: Promise<T>, what: string): Promise<T> =>
    within(work, waitMs, what).catch((error: unknown) => {
      throw error instanceof QueueError
        ? new QueueError(`Redis at ${options.url} did not answer for ${Math.round(waitMs / 1000)} s (${what}): start it again, then start the actor again`)
        : error;
    });
  let poller: NodeJS.Timeout | undefined;
  try {
    const end = Date.now() + waitMs;
    let metaText: string | null = null;
    while (!stop.signal.aborted && !(metaText = await round(redis.get(keys.meta), 'reading the run'))) {
      if (Date.now() > end)
        throw new QueueError(
          `No learner has started run "${options.run}" on ${options.url} within ${Math.round(waitMs / 1000)} s: start game-gym train --queue ${options.url} --run ${options.run} first`,
        );
      await sleep(POLL_MS, stop.signal);
    }
    if (!metaText) return 0;
    const meta = JSON.parse(metaText) as RunMeta;
    const version = codeVersion();
    if (meta.codeVersion !== version)
      throw new WorkerRefusedError(
        `run "${options.run}" is trained by code version ${meta.codeVersion}, this actor runs ${version}: run the same version of game-server-gym on every machine`,
      );
    if (options.game !== undefined && options.game !== meta.config.game)
      throw new WorkerRefusedError(`run "${options.run}" trains ${meta.config.game}, this actor was started for ${options.game}`);
    const { makeEnv } = await import('../../src/env/env.ts');
    const { flatDim } = await import('../../src/env/spaces.ts');
    const probe = makeEnv<Float32Array, number>(meta.config.game, { players: meta.config.players ?? undefined });
    const sizes = { observationSize: flatDim(probe.observationSpace), actionCount: flatDim(probe.actionSpace) };
    await probe.close();
    if (sizes.observationSize !== meta.spec.observationSize || sizes.actionCount !== meta.spec.actionCount) {
      throw new WorkerRefusedError(
        `run "${options.run}" plays ${meta.config.game} with observations of ${meta.spec.observationSize} and ${meta.spec.actionCount} actions, this machine's ${meta.config.game} has ${sizes.observationSize} and ${sizes.actionCount}: install the same games and plugins`,
      );
    }
    await initBackend(meta.config.backend);
    const index = Number(await round(redis.incr(keys.actors), 'joining the run'));
    const me = `${index} (${os.hostname()}:${process.pid})`;
    let newest: PublishedWeights = unpackWeights((await round(redis.getBuffer(keys.weights), 'reading the weights')) as Buffer);
    log(`actor ${me} playing run "${options.run}" (${meta.config.game}, ${meta.config.agent}, ${meta.config.envs} sessions) from weights version ${newest.version}`);
    let polling = false;
    let finished = false;
    // Weights and status are polled beside the play: the play takes the newest weights between steps.
    poller = setInterval(() => {
      if (polling) return;
      polling = true;
      (async () => {
        const [v, status] = await within(Promise.all([redis.get(keys.version), redis.get(keys.status)]), 5_000, 'polling');
        if (status === 'done' && !finished) {
          finished = true;
          log(`run "${options.run}" finished: actor ${index} stops`);
          stop.abort();
        }
        if (Number(v) > newest.version) {
          const buffer = await redis.getBuffer(keys.weights);
          if (buffer) newest = unpackWeights(buffer);
        }
      })()
        .catch(() => {})
        .finally(() => (polling = false));
    }, POLL_MS);
    const sent = await actLoop({
      config: meta.config,
      spec: meta.spec,
      index,
      initial: newest,
      newest: (v) => (newest.version > v ? newest : undefined),
      send: async (packed) => {
        await round(redis.xadd(keys.stream, '*', 'a', String(index), 'd', packed), 'sending experience');
        // Backpressure: the learner has not taken the last entries yet.
        const since = Date.now();
        while (!stop.signal.aborted && (await round(redis.xlen(keys.stream), 'reading the stream length')) > MAX_STREAM) {
          if (Date.now() - since > waitMs)
            throw new QueueError(`The learner of run "${options.run}" has taken no experience for ${Math.round(waitMs / 1000)} s: is it running? Start the actor again once it is`);
          await sleep(50, stop.signal);
        }
      },
      signal: stop.signal,
    });
    // A batch sent after the learner ended the run would stay in Redis: the run is over, its stream goes.
    if (finished) await within(redis.del(keys.stream), 5_000, 'ending').catch(() => {});
    return sent;
  } finally {
    clearInterval(poller);
    options.signal?.removeEventListener('abort', abort);
    redis.disconnect();
  }
}
