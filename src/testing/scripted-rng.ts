import type { Rng } from '../server/games/game.ts';

/**
 * A test Rng that answers `int()` with queued values, in order, checking that each is
 * in the requested range; it fails loudly when a test did not queue enough values.
 */
export class ScriptedRng implements Rng {
  private readonly values: number[];
  /** Every `int()` call made, as [min, max]. */
  readonly calls: [number, number][] = [];

  constructor(values: number[] = []) {
    this.values = [...values];
  }

  /** Queues more values for later `int()` calls. */
  push(...values: number[]): this {
    this.values.push(...values);
    return this;
  }

  /** How many queued values are still unused. */
  remaining(): number {
    return this.values.length;
  }

  next(): number {
    throw new Error('ScriptedRng.next() is not scripted');
  }

  int(min: number, max: number): number {
    this.calls.push([min, max]);
    const value = this.values.shift();
    if (value === undefined) throw new Error(`ScriptedRng: no value queued for int(${min}, ${max})`);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`ScriptedRng: queued ${value} is outside int(${min}, ${max})`);
    }
    return value;
  }
}
