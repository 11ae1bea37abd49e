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
  /** The game's symmetries in this observation and action encoding (from the env's adapter), for data augmentation. */
  symmetries?: Symmetry[];
}

/**
 * A policy that learns. The trainer calls, per batch of ready envs:
 * `explore` to pick actions, then `record` with what happened, then `learn`,
 * which trains when the agent has enough data. `act` is the greedy policy
 * used for evaluation and by opponents. Every agent has a typed config with a
 * default for every field, and saves everything needed to act identically
 * after `load` (weights, config, normaliser or table state).
 */
export interface Learner extends Policy<Float32Array> {
  readonly name: string;
  /** The resolved config (defaults filled in), as saved with checkpoints. */
  readonly config: object;
  explore(observations: Float32Array[], masks: Uint8Array[], envIds: number[]): number[] | Promise<number[]>;
  record(batch: TransitionBatch): void;
  learn(envSteps: number): Promise<LearnStats | null>;
  save(dir: string): Promise<void>;
  load(dir: string): Promise<void>;
  /** Frees tensors. */
  dispose(): void;
}
