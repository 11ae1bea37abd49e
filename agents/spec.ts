import { InvalidOptionError } from '../src/core/errors.ts';
import type { LearnerSpec } from './agent.ts';
import { show } from './config.ts';

/**
 * Checks the facts a learner is built for (shared by every learner): sizes
 * and numEnvs positive integers, an integer seed, symmetries that permute the
 * observation and the actions, totalSteps a positive integer when given.
 * `minActions` raises the least action count (PPO's categorical needs 2).
 * Returns a clean copy; throws InvalidOptionError naming the field.
 */
export function checkLearnerSpec(spec: LearnerSpec, minActions = 1): LearnerSpec {
  if (typeof spec !== 'object' || spec === null) throw new InvalidOptionError(`Expected a learner spec object, got ${show(spec)}`);
  for (const key of ['observationSize', 'actionCount', 'numEnvs'] as const) {
    if (!(Number.isSafeInteger(spec[key]) && spec[key] > 0)) throw new InvalidOptionError(`Expected ${key} to be a positive integer, got ${show(spec[key])}`);
  }
  if (spec.actionCount < minActions) throw new InvalidOptionError(`Expected actionCount to be an integer of at least ${minActions}, got ${spec.actionCount}`);
  if (!Number.isSafeInteger(spec.seed)) throw new InvalidOptionError(`Expected seed to be an integer, got ${show(spec.seed)}`);
  if (spec.totalSteps !== undefined && !(Number.isSafeInteger(spec.totalSteps) && spec.totalSteps > 0)) {
    throw new InvalidOptionError(`Expected totalSteps to be a positive integer, got ${show(spec.totalSteps)}`);
  }
  const symmetries = spec.symmetries ?? [];
  symmetries.forEach((s, k) => {
    if (!isPermutation(s?.observation, spec.observationSize) || !isPermutation(s?.action, spec.actionCount)) {
      throw new InvalidOptionError(`Expected symmetry ${k} to permute ${spec.observationSize} observation values and ${spec.actionCount} actions`);
    }
  });
  return {
    observationSize: spec.observationSize,
    actionCount: spec.actionCount,
    numEnvs: spec.numEnvs,
    seed: spec.seed,
    ...(spec.totalSteps !== undefined ? { totalSteps: spec.totalSteps } : {}),
    ...(symmetries.length > 0 ? { symmetries } : {}),
  };
}

function isPermutation(p: unknown, n: number): boolean {
  if (!Array.isArray(p) || p.length !== n) return false;
  const seen = new Uint8Array(n);
  for (const v of p) {
    if (!Number.isInteger(v) || v < 0 || v >= n || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}

/**
 * A schedule's length in steps: `fraction` of the spec's totalSteps when
 * given (SB3's exploration_fraction), else the absolute `steps`.
 */
export function scheduleSteps(steps: number, fraction: number | null, spec: LearnerSpec, name: string): number {
  if (fraction === null) return steps;
  if (spec.totalSteps === undefined) throw new InvalidOptionError(`${name} is a fraction of the run's total steps, but the learner spec gives no totalSteps`);
  return Math.round(fraction * spec.totalSteps);
}
