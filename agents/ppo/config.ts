import { z } from 'zod';
import { InvalidOptionError } from '../../src/core/errors.ts';
import type { LearnerSpec } from '../agent.ts';
import { field, fields, parseConfig } from '../config.ts';

/** PPO's options, each with its default (ppo.py's, but 128-128 nets and numbers of envs that suit turn-based games). */
export const PpoConfigSchema = z.strictObject({
  /** Hidden layer sizes (of the shared trunk, or of the actor and of the critic each). */
  hidden: fields.positiveInts([128, 128]),
  /** One trunk with a policy head and a value head (true), or separate actor and critic networks (false, as ppo.py). */
  sharedTrunk: fields.boolean(false),
  /** Hidden-layer activation. */
  activation: field<'tanh' | 'relu'>('tanh', 'tanh or relu', (v) => v === 'tanh' || v === 'relu'),
  learningRate: fields.positiveNumber(3e-4),
  /** Adam's epsilon (ppo.py: 1e-5). */
  adamEpsilon: fields.positiveNumber(1e-5),
  gamma: fields.unit(0.99),
  gaeLambda: fields.unit(0.95),
  /** Rewards are multiplied by this before they are stored (Yahtzee's points: 0.02 keeps values near 1-5 for the value loss). */
  rewardScale: fields.positiveNumber(1),
  /** Transitions per env per rollout: an update uses numEnvs * rolloutSteps transitions. */
  rolloutSteps: fields.positiveInt(128),
  /** Passes over each rollout. */
  epochs: fields.positiveInt(4),
  /** Minibatches per epoch. */
  minibatches: fields.positiveInt(4),
  /** Policy ratio clip range (and value clip range when clipValueLoss). */
  clip: fields.positiveNumber(0.2),
  /** Clip the value prediction's change around the rollout's value, as ppo.py's clip_vloss. */
  clipValueLoss: fields.boolean(true),
  valueCoef: fields.nonNegativeNumber(0.5),
  entropyCoef: fields.nonNegativeNumber(0.01),
  /** Global gradient-norm limit. */
  maxGradNorm: fields.positiveNumber(0.5),
  /** Normalise advantages per minibatch. */
  normalizeAdvantages: fields.boolean(true),
  /** Seeds weight init, action sampling and minibatch shuffling. Default: `spec.seed`, else 0. */
  seed: fields.integer(0),
});

/** PPO's resolved options (every field set). */
export type PpoConfig = z.infer<typeof PpoConfigSchema>;

/** Every option's default. */
export const PPO_DEFAULTS: Readonly<PpoConfig> = Object.freeze(PpoConfigSchema.parse({}));

/** Fills in defaults (seed from the spec) and checks every field; throws InvalidOptionError naming the first bad one. */
export function resolvePpoConfig(spec: Pick<LearnerSpec, 'seed' | 'numEnvs'> | undefined, config: Partial<PpoConfig> = {}): PpoConfig {
  const input = typeof config === 'object' && config !== null && config.seed === undefined && spec?.seed !== undefined ? { ...config, seed: spec.seed } : config;
  const c = parseConfig(PpoConfigSchema, 'PPO', input);
  if (spec !== undefined) {
    const batch = spec.numEnvs * c.rolloutSteps;
    if (c.minibatches > batch) throw new InvalidOptionError(`Expected minibatches to be at most numEnvs * rolloutSteps (${batch}), got ${c.minibatches}`);
  }
  return c;
}
