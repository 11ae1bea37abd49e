import { YAHTZEE_ACTIONS, YAHTZEE_ADD, YAHTZEE_CROSS, YAHTZEE_REROLLS, rerollDice } from '../../src/env/adapters/yahtzee.ts';
import type { Policy } from '../../src/env/policy.ts';
import '../../src/games/builtins.ts';
import { registerBot } from '../../src/games/registry.ts';
import { CATEGORIES, YAHTZEE, categoryPoints, keepIndex, rollIndex, scoreValue, solveTurn, turnScratch, type Solution } from './solver.ts';
import { sharedSolution } from './table.ts';

/** A seat's position as the Yahtzee adapter's observation shows it. */
export interface YahtzeePosition {
  /** Sorted dice faces 1..6. */
  dice: number[];
  rollsLeft: number;
  /** Bit c set: category c is used. */
  used: number;
  /** Upper-section sum, capped at 63. */
  upper: number;
  holds50: boolean;
}

/** Reads the position from a Yahtzee adapter observation. */
export function positionOf(obs: Float32Array): YahtzeePosition {
  const dice: number[] = [];
  for (let d = 0; d < 5; d++) {
    for (let f = 0; f < 6; f++) if (obs[d * 6 + f]) dice.push(f + 1);
  }
  let rollsLeft = 0;
  for (let n = 0; n < 3; n++) if (obs[30 + n]) rollsLeft = n;
  let used = 0;
  for (let c = 0; c < CATEGORIES; c++) if (obs[33 + c]) used |= 1 << c;
  return { dice, rollsLeft, used, upper: Math.round((obs[47] as number) * 63), holds50: obs[46] === 1 };
}

/**
 * The optimal solitaire Yahtzee player under the server's rules (150 rule
 * included), acting from the solved table on whatever position the adapter
 * shows: any rolls left, any scorecard. In multiplayer it plays its own card
 * for the highest expected score, which is not the same as playing to win.
 * The table comes from the cache (or is solved on first use, about a minute).
 */
export class OptimalYahtzeePolicy implements Policy<Float32Array> {
  readonly name = 'optimal';
  private solution: Solution | null;
  private readonly cacheDir: string | undefined;
  private readonly turn = turnScratch();

  /** With a solution at hand, or one loaded on first use from `cacheDir` (default: the cache folder). */
  constructor(source: Solution | { cacheDir?: string } = {}) {
    this.solution = 'values' in source ? source : null;
    this.cacheDir = 'values' in source ? undefined : source.cacheDir;
  }

  act(observations: Float32Array[], masks: Uint8Array[]): number[] | Promise<number[]> {
    if (!this.solution) return this.ready().then(() => this.act(observations, masks) as number[]);
    return observations.map((obs, i) => bestAction(this.values(obs, masks[i] as Uint8Array), masks[i] as Uint8Array));
  }

  /**
   * Per action (57), the expected points the seat still gains from this
   * decision to the end of its game under optimal play; NaN for illegal ones.
   */
  actionValues(observations: Float32Array[], masks: Uint8Array[]): Float64Array[] | Promise<Float64Array[]> {
    if (!this.solution) return this.ready().then(() => this.actionValues(observations, masks) as Float64Array[]);
    return observations.map((obs, i) => this.values(obs, masks[i] as Uint8Array));
  }

  /** Loads (or solves) the table now. */
  async ready(): Promise<void> {
    this.solution ??= await sharedSolution(this.cacheDir);
  }

  private values(obs: Float32Array, mask: Uint8Array): Float64Array {
    const table = (this.solution as Solution).values;
    const p = positionOf(obs);
    const q = new Float64Array(YAHTZEE_ACTIONS).fill(Number.NaN);
    if (p.dice.length !== 5) return q;
    const r = rollIndex(p.dice);
    if (mask.subarray(0, YAHTZEE_REROLLS).includes(1)) {
      solveTurn(table, p.used, p.upper, p.holds50, true, this.turn);
      // The adapter shows rolls left; a legal reroll means at least one.
      const keeps = this.turn.k[Math.max(1, Math.min(2, p.rollsLeft))] as Float64Array;
      for (let a = 0; a < YAHTZEE_REROLLS; a++) {
        if (!mask[a]) continue;
        const rerolled = new Set(rerollDice(a));
        q[a] = keeps[keepIndex(p.dice.filter((_, i) => !rerolled.has(i)))] as number;
      }
    }
    for (let c = 0; c < CATEGORIES; c++) {
      const yahtzeeBonus = c === YAHTZEE && p.holds50;
      if (mask[YAHTZEE_ADD + c]) {
        q[YAHTZEE_ADD + c] = scoreValue(table, p.used, p.upper, p.holds50, c, yahtzeeBonus ? 150 : addPoints(c, p.dice));
      }
      if (mask[YAHTZEE_CROSS + c]) q[YAHTZEE_CROSS + c] = scoreValue(table, p.used, p.upper, p.holds50, c, 0);
    }
    return q;
  }
}

function addPoints(c: number, dice: number[]): number {
  const counts = [0, 0, 0, 0, 0, 0];
  for (const d of dice) counts[d - 1] = (counts[d - 1] as number) + 1;
  return categoryPoints(c, counts);
}

/** The legal action of highest value; ties go to the lowest action (scoring before crossing out). */
function bestAction(q: Float64Array, mask: Uint8Array): number {
  let best = -1;
  for (let a = 0; a < q.length; a++) {
    if (mask[a] && !Number.isNaN(q[a]) && (best < 0 || (q[a] as number) > (q[best] as number) + 1e-9)) best = a;
  }
  return best >= 0 ? best : Math.max(0, mask.indexOf(1));
}

// The 'optimal' bot of the game this file solves, next to its spec's own bots.
registerBot('Yahtzee', 'optimal', () => new OptimalYahtzeePolicy());
