/**
 * `train --actors N` on one machine (IMPALA / Ape-X style): N child
 * processes each play their own sessions with a copy of the learner and send
 * packed transitions (see experience.ts) over IPC; this process learns from
 * them, publishes the acting weights with a version every `publishMs`, and
 * reports the policy lag (the learner's version minus the version that chose
 * the actions of a batch).
 */
import type { ExperienceSource, ExperienceSourceFactory, TrainConfig } from '../training/trainer.ts';
import type { LearnerSpec } from '../agent.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { siblingEntry } from '../../src/server/child.ts';
import { actingCopy, checkActorConfig, type PublishedWeights } from './acting.ts';
import { Actor, checkActors } from './actors.ts';
import { unpackExperience } from './experience.ts';

/** What the learner sends a training actor. */
export type TrainActorRequest =
  | { type: 'open'; config: TrainConfig; spec: LearnerSpec; index: number; weights: PublishedWeights }
  | { type: 'start' }
  | { type: 'weights'; weights: PublishedWeights }
  | { type: 'credit' }
  | { type: 'stop' }
  | { type: 'close' };

/** What a training actor answers. */
export type TrainActorReply =
  | { type: 'ready' }
  | { type: 'experience'; data: Uint8Array; transitions: number }
  | { type: 'stopped'; transitions: number; cpuSeconds: number }
  | { type: 'error'; code: string; message: string };

const CHILD = siblingEntry('train-actor-child', import.meta.url);
const OPEN_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
/** Batches the policy lag is averaged over. */
const LAG_WINDOW = 100;

/** Options of `actorExperience`. */
export interface TrainActorOptions {
  actors: number;
  /** Milliseconds between two weight publications. Default 250. */
  publishMs?: number;
}

/** Keeps the lags of the last batches and the version the learner is at. */
export class LagMeter {
  version = 1;
  private readonly lags: number[] = [];
  /** Bytes and transitions received, for bytes per transition. */
  bytes = 0;
  transitions = 0;

  add(actingVersion: number, bytes: number, transitions: number): void {
    this.lags.push(this.version - actingVersion);
    if (this.lags.length > LAG_WINDOW) this.lags.shift();
    this.bytes += bytes;
    this.transitions += transitions;
  }

  stats(): Record<string, number> {
    const lag = this.lags.length ? this.lags.reduce((a, b) => a + b, 0) / this.lags.length : 0;
    return { policyLag: Math.round(lag * 100) / 100, weightsVersion: this.version, bytesPerTransition: this.transitions ? Math.round(this.bytes / this.transitions) : 0 };
  }
}

/** The experience source of `train --actors N` (see the file's comment). */
export function actorExperience(options: TrainActorOptions): ExperienceSourceFactory {
  const actors = checkActors(options.actors);
  const publishMs = options.publishMs ?? 250;
  if (actors === 0) throw new InvalidOptionError('Expected at least 1 actor for actorExperience');
  return async ({ config, spec, agent: learner, log }) => {
    checkActorConfig(config);
    const agent = actingCopy(learner);
    const meter = new LagMeter();
    // CPU seconds the actors used, as they report it when they stop.
    let actorCpu = 0;
    const pool = Array.from({ length: actors }, (_, i) => new Actor<TrainActorRequest, TrainActorReply>(i, CHILD));
    const closeAll = (): Promise<unknown> => Promise.all(pool.map((a) => a.close()));
    try {
      const weights = { version: meter.version, state: agent.actingState() };
      await Promise.all(pool.map((a) => a.exchange({ type: 'open', config, spec, index: a.index, weights }, (r) => r.type === 'ready', OPEN_TIMEOUT_MS, 'starting tfjs')));
    } catch (error) {
      await closeAll();
      throw error;
    }
    log(`${actors} actor processes (pids ${pool.map((a) => a.child.pid).join(', ')}), ${config.envs} sessions each; weights published every ${publishMs} ms`);
    const source: ExperienceSource = {
      run: async (learn, done, signal) => {
        const inbox: Array<{ actor: (typeof pool)[number]; data: Uint8Array; transitions: number }> = [];
        let wake: (() => void) | undefined;
        let failure: unknown;
        const wakeUp = (): void => wake?.();
        signal?.addEventListener('abort', wakeUp);
        const running = pool.map((actor) =>
          actor
            .exchange(null, (reply) => {
              if (reply.type === 'experience') {
                inbox.push({ actor, data: reply.data, transitions: reply.transitions });
                wakeUp();
              }
              if (reply.type === 'stopped') actorCpu += reply.cpuSeconds;
              return reply.type === 'stopped';
            })
            .catch((error: unknown) => {
              failure ??= error;
              wakeUp();
            }),
        );
        for (const a of pool) a.send({ type: 'start' });
        let published = performance.now();
        try {
          while (!done() && !signal?.aborted && failure === undefined) {
            const item = inbox.shift();
            if (!item) {
              await new Promise<void>((resolve) => (wake = resolve));
              wake = undefined;
              continue;
            }
            item.actor.send({ type: 'credit' });
            const e = unpackExperience(item.data, spec.observationSize, spec.actionCount);
            meter.add(e.version, item.data.byteLength, e.batch.actions.length);
            await learn(e.batch, e.ends);
            if (performance.now() - published >= publishMs) {
              published = performance.now();
              meter.version++;
              const weights = { version: meter.version, state: agent.actingState() };
              for (const a of pool) a.send({ type: 'weights', weights });
            }
          }
        } finally {
          signal?.removeEventListener('abort', wakeUp);
          for (const a of pool) a.send({ type: 'stop' });
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([Promise.all(running), new Promise((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS)))]);
          clearTimeout(timer);
        }
        if (failure !== undefined) throw failure;
      },
      stats: () => ({ ...meter.stats(), ...(actorCpu ? { actorCpuSeconds: Math.round(actorCpu * 100) / 100 } : {}) }),
      close: async () => {
        await closeAll();
      },
    };
    return source;
  };
}
