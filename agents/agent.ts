import type { Symmetry } from '../src/env/adapter.ts';
import type { Policy } from '../src/env/policy.ts';
import type { VectorBatch } from '../src/vector/async-vector.ts';

/**
 * One step of experience from each env that acted, in parallel arrays:
 * env `envIds[k]` saw `observations[k]`, took `actions[k]`, got `rewards[k]`
 * and now sees `nextObservations[k]` with legal actions `nextMasks[k]`.
 * `terminated`/`truncated` mark episode ends (after truncation the next
 * observation is still a real one and may be bootstrapped from).
 */
export interface TransitionBatch {
  envIds: number[];
  observations: Float32Array[];
  masks: Uint8Array[];
  actions: number[];
  rewards: number[];
  nextObservations: Float32Array[];
  nextMasks: Uint8Array[];
  terminated: boolean[];
  truncated: boolean[];
}

/** What each env of a vector acted on last: its observation, its mask and the action taken, by env id. */
export interface LastActions {
  obs: Array<Float32Array | undefined>;
  mask: Array<Uint8Array | undefined>;
  action: number[];
}

/** Appends to `t`, as env `envId`, the transition of env `id`: what it acted on last, then what step `k` of `batch` brought. */
export function pushTransition(t: TransitionBatch, envId: number, last: LastActions, id: number, batch: VectorBatch<Float32Array>, k: number): void {
  t.envIds.push(envId);
  t.observations.push(last.obs[id] as Float32Array);
  t.masks.push(last.mask[id] as Uint8Array);
  t.actions.push(last.action[id] as number);
  t.rewards.push(batch.rewards[k] as number);
  t.nextObservations.push(batch.observations[k] as Float32Array);
  t.nextMasks.push(batch.infos[k]!.actionMask);
  t.terminated.push(batch.terminated[k] === 1);
  t.truncated.push(batch.truncated[k] === 1);
}

/** The learner's exploring actions for the envs in `ids`, from what each acted on last (no call when `ids` is empty). */
export async function exploreFrom(agent: Learner, ids: number[], last: LastActions): Promise<number[]> {
  if (ids.length === 0) return [];
  return agent.explore(
    ids.map((id) => last.obs[id] as Float32Array),
    ids.map((id) => last.mask[id] as Uint8Array),
    ids,
  );
}

/** Numbers a learner reports after an update (losses, epsilon, ...), for metrics.jsonl. */
export type LearnStats = Record<string, number>;

/** The agent-independent facts a learner is built for. */
export interface LearnerSpec {
  /** Length of the flat Float32 observation. */
  observationSize: number;
  /** Number of discrete actions. */
  actionCount: number;
  /** Number of parallel envs feeding it (per-env buffers for on-policy learners). */
  numEnvs: number;
  seed: number;
  /**
   * The run's total env steps, when known (the trainer passes `--steps`):
   * schedules given as fractions (`explorationFraction`, ...) are fractions of it.
   */
  totalSteps?: number;
  /** The game's symmetries in this observation and action encoding (from the env's adapter), for data augmentation. */
  symmetries?: Symmetry[];
}

/** What `Learner.save` writes besides the policy. */
export interface SaveOptions {
  /**
   * Also write the learner state (optimizer, replay buffer or rollouts,
   * counters, random generator): what resuming needs. Default true; false
   * writes only what acting needs (a run's `best/`).
   */
  learnerState?: boolean;
  /** The env steps recorded in the header (default: the learner's own count of recorded transitions). */
  steps?: number;
}

/**
 * What a learner says about one decision, for `collect`'s columns: `probs`,
 * the probabilities it acts from (illegal actions 0); `logp`, the
 * log-probability of the action taken under them; `value`, its estimate of
 * the observation's value in reward units (null where it has none).
 */
export interface ActDetails {
  probs: number[];
  logp: number;
  value: number | null;
}

/** A learner that can explain its decisions (DQN and PPO). */
export interface WithActDetails {
  /** One `ActDetails` per observation, for the action taken there (`actions[k]`). */
  actDetails(observations: Float32Array[], masks: Uint8Array[], actions: number[]): ActDetails[];
}

/** Whether a policy has `actDetails`. */
export function hasActDetails(policy: unknown): policy is WithActDetails {
  return typeof (policy as Partial<WithActDetails> | null)?.actDetails === 'function';
}

/**
 * A policy that learns. The trainer calls, per batch of ready envs:
 * `explore` to pick actions, then `record` with what happened, then `learn`,
 * which trains when the agent has enough data. `act` is the greedy policy
 * used for evaluation and by opponents. Every agent has a typed config with a
 * default for every field (a zod schema in its folder's config.ts), and saves
 * its policy apart from its learner state (see agents/checkpoint.ts).
 */
export interface Learner extends Policy<Float32Array> {
  readonly name: string;
  /** The resolved config (defaults filled in), as saved with checkpoints. */
  readonly config: object;
  explore(observations: Float32Array[], masks: Uint8Array[], envIds: number[]): number[] | Promise<number[]>;
  record(batch: TransitionBatch): void;
  learn(envSteps: number): Promise<LearnStats | null>;
  /** Writes an agent folder: `agent.json` (the header), `policy/` and, unless `learnerState` is false, `learner/`. */
  save(dir: string, options?: SaveOptions): Promise<void>;
  /** Restores an agent folder's policy, and its learner state when the folder has one. */
  load(dir: string): Promise<void>;
  /** Frees tensors. */
  dispose(): void;
}
