import { z } from 'zod';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { field, fields, parseConfig, show } from '../config.ts';

const integer = (fallback: number) => field<number>(fallback, 'an integer', (v) => Number.isSafeInteger(v));

/** MENACE's options, each with its default (Michie's: 4/3/2/1 beads, +3 win, +1 draw, -1 loss). */
export const MenaceConfigSchema = z.strictObject({
  /** Beads per legal move in a new box, by the agent's own move number (positive integers; the last for later moves). */
  initialBeads: field<number[]>(
    () => [4, 3, 2, 1],
    'a non-empty list of positive integers',
    (v) => Array.isArray(v) && v.length > 0 && v.every((b) => Number.isSafeInteger(b) && b > 0),
  ),
  /** Beads added to each played move after a win (integer). */
  winBeads: integer(3),
  /** Beads added to each played move after a draw (integer). */
  drawBeads: integer(1),
  /** Beads added to each played move after a loss (integer; negative removes). */
  lossBeads: integer(-1),
  /** No move's count goes below this (non-negative integer, at most every `initialBeads`). */
  minBeads: integer(0),
  /** Share boxes between boards that are rotations or reflections of each other. */
  symmetry: fields.boolean(true),
  /** Score a truncated episode by its last reward instead of dropping it. */
  scoreTruncated: fields.boolean(false),
});

/** MENACE's resolved options (every field set). */
export type MenaceConfig = z.infer<typeof MenaceConfigSchema>;

/** Every option's default. */
export const MENACE_DEFAULTS: Readonly<MenaceConfig> = Object.freeze(MenaceConfigSchema.parse({}));

/** Fills in defaults and checks every field; throws InvalidOptionError naming the first bad one. */
export function resolveMenaceConfig(config: Partial<MenaceConfig> = {}): MenaceConfig {
  const c = parseConfig(MenaceConfigSchema, 'menace', config);
  const fewest = Math.min(...c.initialBeads);
  if (!(c.minBeads >= 0 && c.minBeads <= fewest)) {
    throw new InvalidOptionError(`Expected minBeads to be an integer from 0 to ${fewest} (the fewest initialBeads), got ${show(c.minBeads)}`);
  }
  return { ...c, initialBeads: [...c.initialBeads] };
}
