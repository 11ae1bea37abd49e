import { z } from 'zod';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { field, fields, parseConfig } from '../config.ts';

/**
 * DQN's options, each with its default. Defaults tuned on TicTacToe against a
 * random opponent (measurements above the TicTacToe test in dqn.test.ts):
 * batches of 128 every 8 transitions with Adam at 5e-4 lost half as often as
 * batches of 64 every 4 at 1e-3, in about three quarters of the CPU time.
 */
export const DqnConfigSchema = z.strictObject({
  /** Units of each hidden ReLU layer of the Q-network. */
  hiddenSizes: fields.positiveInts([128, 128], 'an array of positive integers'),
  /** Adam's step size... */
  learningRate: fields.positiveNumber(5e-4),
  /** ...falling linearly to this over learningRateDecaySteps transitions (null: constant). */
  learningRateEnd: field<number | null>(null, 'a non-negative number or null', (v) => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0)),
  learningRateDecaySteps: fields.nonNegativeInt(1_000_000),
  /** The decay's length as a fraction of the run's total steps (the spec's totalSteps), instead of learningRateDecaySteps. */
  learningRateDecayFraction: fields.fraction(),
  /** Discount factor. */
  gamma: fields.unit(0.99),
  /** Rewards are multiplied by this before they enter the replay buffer (Yahtzee's points: 0.02 keeps Q near 1-5, inside Huber's quadratic zone). */
  rewardScale: fields.positiveNumber(1),
  /** Capacity of the replay buffer, in transitions (oldest are overwritten). */
  bufferSize: fields.positiveInt(100_000),
  /** Transitions per gradient step. */
  batchSize: fields.positiveInt(128),
  /** Transitions to collect before the first gradient step. */
  learningStarts: fields.nonNegativeInt(1_000),
  /** Env transitions per gradient step (8 envs with trainFrequency 8: one step per vector step). */
  trainFrequency: fields.positiveInt(8),
  /** Gradient steps between hard copies of the online network into the target network. */
  targetUpdateInterval: fields.positiveInt(250),
  /** Epsilon at the start of training... */
  epsilonStart: fields.unit(1.0),
  /** ...falling linearly to this... */
  epsilonEnd: fields.unit(0.05),
  /** ...over this many env transitions... */
  explorationSteps: fields.nonNegativeInt(20_000),
  /** ...or over this fraction of the run's total steps (SB3's exploration_fraction; null: explorationSteps). */
  explorationFraction: fields.fraction(),
  /** Regression loss on the TD error. */
  loss: field<'huber' | 'mse'>('huber', '"huber" or "mse"', (v) => v === 'huber' || v === 'mse'),
  /** Gradients are rescaled so that their global L2 norm is at most this (Infinity: no clipping). */
  maxGradNorm: field<number>(10, 'a positive number (Infinity: no clipping)', (v) => typeof v === 'number' && v > 0),
  /** Double DQN: the online network picks the next action, the target network values it. */
  doubleDqn: fields.boolean(true),
  /**
   * Train each sampled transition in one of the game's symmetries, drawn at
   * random (rotations and reflections of a board; the spec's `symmetries`).
   * Without symmetries in the spec it changes nothing.
   */
  augmentSymmetries: fields.boolean(false),
  /**
   * The policy collect records (`probs`, `logp`, `value`): a softmax of
   * Q / this over the legal actions (in the units of Q after `rewardScale`;
   * small: near greedy).
   */
  probsTemperature: fields.positiveNumber(0.1),
  /** Seeds weight initialisation, exploration and replay sampling (default: the spec's seed). */
  seed: field<number>(0, 'an integer', (v) => Number.isInteger(v) && Math.abs(v as number) <= 2 ** 31),
});

/** DQN's resolved options (every field set). */
export type DqnConfig = z.infer<typeof DqnConfigSchema>;

/** Every option's default. */
export const DQN_DEFAULTS: Readonly<DqnConfig> = Object.freeze(DqnConfigSchema.parse({}));

/** Fills in defaults and checks every field; throws InvalidOptionError naming the first bad one. */
export function resolveDqnConfig(config: Partial<DqnConfig> = {}): DqnConfig {
  const c = parseConfig(DqnConfigSchema, 'DQN', config);
  if (c.batchSize > c.bufferSize) {
    throw new InvalidOptionError(`Expected batchSize (${c.batchSize}) to be at most bufferSize (${c.bufferSize})`);
  }
  return c;
}
