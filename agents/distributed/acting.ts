/**
 * An actor of distributed training (`train --actors`, `game-gym actor`): its
 * own sessions (its own seeded embedded server, or the run's `--server`), a
 * copy of the learner that explores with the newest weights it has, batched
 * inference over its sessions, and the transitions it plays packed in
 * compact binary for the learner.
 */
import { exploreFrom, pushTransition, type Learner, type LearnerSpec, type TransitionBatch } from '../agent.ts';
import { episodeEnd, makeTrainingEnvs, type EpisodeEnd, type TrainConfig } from '../training/trainer.ts';
import { createLearner } from '../training/registry.ts';
import { embeddedGames } from '../../src/games/registry.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { GameFramework } from '../../src/server/framework.ts';
import { AbortError } from '../../src/core/errors.ts';
import { AsyncVectorEnv } from '../../src/vector/async-vector.ts';
import { packExperience } from './experience.ts';

/** The weights (and exploration schedule) an actor acts with. */
export interface ActingState {
  weights: Float32Array[];
  transitions: number;
}

/** A learner whose acting part can be copied into another process. */
export interface ActingCopy {
  actingState(): ActingState;
  setActingState(state: ActingState): void;
}

/** The agents whose weights actors can copy (off-policy ones with `ActingCopy`). */
export const ACTOR_AGENTS: readonly string[] = ['dqn'];

/** Refuses an agent that actors cannot play for, before anything starts. */
export function checkActorAgent(name: string): void {
  if (!ACTOR_AGENTS.includes(name)) {
    throw new InvalidOptionError(
      `Expected an off-policy agent whose weights actors can copy (${ACTOR_AGENTS.join(', ')}) for --actors and --queue, got ${name}: train it in one process`,
    );
  }
}

/** The learner as an `ActingCopy`, or an InvalidOptionError saying which agents distributed training takes. */
export function actingCopy(agent: Learner): Learner & ActingCopy {
  const a = agent as Learner & Partial<ActingCopy>;
  if (typeof a.actingState !== 'function' || typeof a.setActingState !== 'function') checkActorAgent(`${agent.name} (no acting copy)`);
  return a as Learner & ActingCopy;
}

/** Checks that a run's config can be played by actors: opponents they can run alone, no recording. */
export function checkActorConfig(config: Pick<TrainConfig, 'agent' | 'opponent' | 'record' | 'sessionPrefix' | 'server'>): void {
  checkActorAgent(config.agent);
  if (config.opponent === 'pool') throw new InvalidOptionError('Expected --opponent other than pool with --actors or --queue (actors have no snapshots): use a bot, mix or self');
  if (config.record) throw new InvalidOptionError('Expected no --record with --actors or --queue: record in one process');
  if (config.sessionPrefix && config.server === 'embedded') throw new InvalidOptionError('Expected --session-prefix only with a TCP server when training with actors');
}

/** A versioned `ActingState`, as the learner publishes it. */
export interface PublishedWeights {
  version: number;
  state: ActingState;
}

/** Options of `actLoop`. */
export interface ActLoopOptions {
  config: TrainConfig;
  spec: LearnerSpec;
  /** The actor's number: its seeds and env ids follow from it. */
  index: number;
  /** The weights to start with. */
  initial: PublishedWeights;
  /** Newer weights than `version`, if the learner published any. */
  newest(version: number): PublishedWeights | undefined;
  /** Hands a packed batch to the learner; resolves when the actor may go on (backpressure). */
  send(packed: Buffer, transitions: number): Promise<void>;
  signal: AbortSignal;
  /** Transitions per packed batch. Default 64. */
  batch?: number;
}

/** Plays until the signal fires: explores with the newest weights, packs transitions, sends them. Returns the transitions sent. */
export async function actLoop(o: ActLoopOptions): Promise<number> {
  const { config, spec } = o;
  const seed = config.seed * 1000 + o.index + 1;
  const agent = actingCopy(await createLearner(config.agent, spec, { ...config.agentConfig, seed }));
  let version = o.initial.version;
  agent.setActingState(o.initial.state);
  const embedded = config.server === 'embedded' || config.server === 'embedded-tcp';
  const server = embedded ? new GameFramework({ seed, games: embeddedGames() }) : undefined;
  const prefix = config.sessionPrefix ? `${config.sessionPrefix}-a${o.index}` : null;
  const envs = makeTrainingEnvs({ ...config, seed, sessionPrefix: prefix }, server ?? config.server, agent, []);
  const vector = new AsyncVectorEnv(envs, { batchSize: Math.max(1, Math.floor(envs.length / 2)) });
  const n = envs.length;
  const last = { obs: new Array<Float32Array>(n), mask: new Array<Uint8Array>(n), action: new Array<number>(n).fill(0), fresh: new Array<boolean>(n).fill(true) };
  const empty = (): TransitionBatch => ({ envIds: [], observations: [], masks: [], actions: [], rewards: [], nextObservations: [], nextMasks: [], terminated: [], truncated: [] });
  let out = empty();
  let ends: EpisodeEnd[] = [];
  let sent = 0;
  const flushAt = o.batch ?? 64;
  try {
    vector.asyncReset({ seed });
    while (!o.signal.aborted) {
      let batch;
      try {
        batch = await vector.recv({ signal: o.signal });
      } catch (error) {
        if (error instanceof AbortError) break;
        throw error;
      }
      batch.envIds.forEach((id, k) => {
        const info = batch.infos[k]!;
        const obs = batch.observations[k] as Float32Array;
        if (!last.fresh[id]) {
          const done = batch.terminated[k] === 1 || batch.truncated[k] === 1;
          pushTransition(out, o.index * n + id, last, id, batch, k);
          if (done) ends.push(episodeEnd(info));
          last.fresh[id] = done;
        } else {
          last.fresh[id] = false;
        }
        last.obs[id] = obs;
        last.mask[id] = info.actionMask;
      });
      const newer = o.newest(version);
      if (newer) {
        agent.setActingState(newer.state);
        version = newer.version;
      }
      const acting = batch.envIds.filter((id) => !last.fresh[id]);
      const chosen = await exploreFrom(agent, acting, last);
      const actions = batch.envIds.map((id) => (last.action[id] = acting.includes(id) ? (chosen[acting.indexOf(id)] as number) : 0));
      vector.send(actions, batch.envIds);
      if (out.actions.length >= flushAt) {
        const count = out.actions.length;
        const packed = packExperience({ version, batch: out, ends }, spec.observationSize, spec.actionCount);
        out = empty();
        ends = [];
        sent += count;
        await o.send(packed, count);
      }
    }
  } finally {
    await vector.close().catch(() => {});
    server?.close();
    agent.dispose();
  }
  return sent;
}
