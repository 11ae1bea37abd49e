import type { Symmetry } from '../src/env/adapter.ts';
import type { Policy } from '../src/env/policy.ts';

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
