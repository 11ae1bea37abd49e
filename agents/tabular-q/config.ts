import { z } from 'zod';
import { field, fields, parseConfig } from '../config.ts';

const number = (fallback: number, expected: string, ok: (x: number) => boolean) => field<number>(fallback, expected, (v) => typeof v === 'number' && Number.isFinite(v) && ok(v));

/** Tabular Q-learning's options, each with its default. */
export const TabularQConfigSchema = z.strictObject({
  /** Learning rate, in (0, 1]. */
  alpha: number(0.5, 'a number in (0, 1]', (x) => x > 0 && x <= 1),
  /** Discount, in [0, 1]. */
  gamma: number(0.95, 'a number in [0, 1]', (x) => x >= 0 && x <= 1),
  /** Value of every table entry before its first update. */
  initialQ: number(0, 'a finite number', () => true),
  /** Exploration rate at the start, in [0, 1]. */
  epsilonStart: number(1, 'a number in [0, 1]', (x) => x >= 0 && x <= 1),
  /** Exploration rate after the decay, in [0, 1]. */
  epsilonEnd: number(0.05, 'a number in [0, 1]', (x) => x >= 0 && x <= 1),
  /** Recorded transitions over which epsilon falls linearly (0: `epsilonEnd` at once)... */
  epsilonDecaySteps: fields.nonNegativeInt(20_000),
  /** ...or this fraction of the run's total steps (the spec's totalSteps; null: epsilonDecaySteps). */
  epsilonDecayFraction: fields.fraction(),
});

/** Tabular Q-learning's resolved options (every field set). */
export type TabularQConfig = z.infer<typeof TabularQConfigSchema>;

/** Every option's default. */
export const TABULAR_Q_DEFAULTS: Readonly<TabularQConfig> = Object.freeze(TabularQConfigSchema.parse({}));

/** Fills in defaults and checks every field; throws InvalidOptionError naming the first bad one. */
export function resolveTabularQConfig(config: Partial<TabularQConfig> = {}): TabularQConfig {
  return parseConfig(TabularQConfigSchema, 'tabular-q', config);
}
