import type { IllegalMoveError } from '../../core/errors.ts';
import type { GameState, JsonObject } from '../../protocol/messages.ts';
import { YAHTZEE_CATEGORIES, yahtzeeScore, yahtzeeTotal } from '../../server/games/yahtzee.ts';
import type { Adapter, EpisodeOutcome, SeatInfo } from '../adapter.ts';
import { Box, Discrete } from '../spaces.ts';

/** Actions 0..30 reroll a non-empty subset of the dice (bit i of `action + 1` = die i). */
export const YAHTZEE_REROLLS = 31;
/** Actions 31..43 "add points" to category `action - 31`. */
export const YAHTZEE_ADD = 31;
/** Actions 44..56 "cross out" category `action - 44`. */
export const YAHTZEE_CROSS = 44;
/** Number of Yahtzee actions. */
export const YAHTZEE_ACTIONS = 57;
/** Length of the Yahtzee observation. */
export const YAHTZEE_OBS = 61;

const N = YAHTZEE_CATEGORIES.length;
const YAHTZEE_INDEX = YAHTZEE_CATEGORIES.indexOf('Yahtzee');

/** The dice indices an action 0..30 rerolls. */
export function rerollDice(action: number): number[] {
  const bits = action + 1;
  const dice: number[] = [];
  for (let i = 0; i < 5; i++) if (bits & (1 << i)) dice.push(i);
  return dice;
}

/**
 * The dice in the order the adapter shows them: sorted by face, ties by
 * position. `order[i]` is the server's index of the i-th die shown.
 */
export function diceOrder(dice: readonly number[]): number[] {
  return dice.map((_, i) => i).sort((a, b) => (dice[a] as number) - (dice[b] as number) || a - b);
}

/** The reroll action for a set of dice indices (non-empty). */
export function rerollAction(dice: readonly number[]): number {
  let bits = 0;
  for (const d of dice) bits |= 1 << d;
  return bits - 1;
}

type Scorecard = Record<string, number | null>;

/**
 * Yahtzee for one seat, solo or multiplayer. One Discrete(57) space: 31
 * reroll subsets, 13 "add points", 13 "cross out", with masks equal to what
 * the server accepts. The dice are shown sorted by face and reroll actions
 * name positions in that order (the adapter maps them back to the server's
 * indices), so "keep the pair" is the same action wherever the server rolled
 * the pair: 252 dice multisets instead of 7,776 sequences to learn. Observation
 * (61 values): sorted dice one-hot (5 x 6), rolls
 * left one-hot (3), used categories (13), "Yahtzee holds 50" (1), upper sum /
 * 63 capped at 1 (1), and what "add points" would give per category / 50
 * (13). Reward: the change of the seat's total including the upper bonus.
 * The seat's name is submitted during reset.
 */
export class YahtzeeAdapter implements Adapter<Float32Array, number> {
  readonly game = 'Yahtzee';
  readonly observationSpace = new Box(0, [...new Array(48).fill(1), ...new Array(N).fill(3)], [YAHTZEE_OBS]);
  readonly actionSpace = new Discrete(YAHTZEE_ACTIONS);
  readonly nudge: JsonObject = {};
  /** Rolls used in the current turn, counting the one that starts it; the state does not show it. */
  private rolls = 1;
  /** Identifies the seat's turn: a turn ends by changing the scorecard. */
  private turn: string | null = null;

  resetEpisode(): void {
    this.rolls = 1;
    this.turn = null;
  }

  setupMove(state: GameState, seat: SeatInfo): JsonObject | null {
    const naming = !('current_name' in state) && !state.gameover;
    return naming && state.current.includes(seat.playerId) ? { name: seat.name } : null;
  }

  isTurn(state: GameState, seat: SeatInfo): boolean {
    if (state.gameover || !('current_name' in state) || !state.current.includes(seat.playerId)) return false;
    const card = state.scorecard as Scorecard;
    let filled = 0;
    let sum = 0;
    for (const c of YAHTZEE_CATEGORIES) {
      const v = card[c];
      if (v !== null && v !== undefined) {
        filled++;
        sum += v;
      }
    }
    const turn = `${filled}:${sum}`;
    if (turn !== this.turn) {
      this.turn = turn;
      this.rolls = 1;
    }
    return true;
  }

  /** Rolls left in this turn (0..2). */
  get rollsLeft(): number {
    return Math.max(0, 3 - this.rolls);
  }

  observe(state: GameState): Float32Array {
    const obs = new Float32Array(YAHTZEE_OBS);
    const dice = (state.dice as number[] | undefined) ?? [];
    const order = diceOrder(dice);
    for (let i = 0; i < order.length && i < 5; i++) {
      const face = dice[order[i] as number] as number;
      if (face >= 1 && face <= 6) obs[i * 6 + face - 1] = 1;
    }
    if (!state.gameover) obs[30 + this.rollsLeft] = 1;
    const card = state.scorecard as Scorecard;
    let upper = 0;
    for (let c = 0; c < N; c++) {
      const v = card[YAHTZEE_CATEGORIES[c] as string];
      if (v !== null && v !== undefined) obs[33 + c] = 1;
      if (c < 6) upper += v ?? 0;
    }
    obs[46] = card.Yahtzee === 50 ? 1 : 0;
    obs[47] = Math.min(upper, 63) / 63;
    if (dice.length === 5) {
      for (let c = 0; c < N; c++) {
        const points = this.addPoints(c, card, dice);
        if (points !== null) obs[48 + c] = points / 50;
      }
    }
    return obs;
  }

  actionMask(state: GameState, seat: SeatInfo): Uint8Array {
    const mask = new Uint8Array(YAHTZEE_ACTIONS);
    if (!this.isTurn(state, seat)) return mask;
    const card = state.scorecard as Scorecard;
    const dice = state.dice as number[];
    // A full scorecard (possible in multiplayer once someone took a 150 bonus) can never end the turn:
    // no legal action at all, rerolls included, so the env sees the game is stuck.
    const canScore = YAHTZEE_CATEGORIES.some((c, i) => card[c] === null || (i === YAHTZEE_INDEX && card[c] === 50));
    if (!canScore) return mask;
    if (this.rolls < 3) mask.fill(1, 0, YAHTZEE_REROLLS);
    for (let c = 0; c < N; c++) {
      if (this.addPoints(c, card, dice) !== null) mask[YAHTZEE_ADD + c] = 1;
      const v = card[YAHTZEE_CATEGORIES[c] as string];
      // The server's quirk: scoring Yahtzee again while it holds 50 sets it to 150, crossing out included.
      if (v === null || (c === YAHTZEE_INDEX && v === 50)) mask[YAHTZEE_CROSS + c] = 1;
    }
    return mask;
  }

  /** What "add points" to category c gives now, or null when the server would refuse it. */
  private addPoints(c: number, card: Scorecard, dice: number[]): number | null {
    const category = YAHTZEE_CATEGORIES[c] as string;
    const points = yahtzeeScore(category, dice);
    if (typeof points !== 'number') return null;
    const v = card[category];
    if (v === null || v === undefined) return points;
    return c === YAHTZEE_INDEX && v === 50 ? 150 : null;
  }

  toMove(action: number, state: GameState): JsonObject {
    if (action < YAHTZEE_ADD) {
      const order = diceOrder((state.dice as number[] | undefined) ?? [0, 0, 0, 0, 0]);
      return {
        roll_dice: rerollDice(action)
          .map((shown) => order[shown] as number)
          .sort((a, b) => a - b),
      };
    }
    if (action < YAHTZEE_CROSS) return { score: 'add points', category: YAHTZEE_CATEGORIES[action - YAHTZEE_ADD] as string };
    return { score: 'cross out', category: YAHTZEE_CATEGORIES[action - YAHTZEE_CROSS] as string };
  }

  accepted(action: number): void {
    if (action < YAHTZEE_ADD) this.rolls++;
  }

  refused(action: number, error: IllegalMoveError): void {
    // Rolls made before this seat knew (another player's, during naming) count too.
    if (action < YAHTZEE_ADD && error.value === 'dice were rolled three times already') this.rolls = 3;
  }

  reward(previous: GameState | null, state: GameState): number {
    const before = previous ? yahtzeeTotal(previous.scorecard as Scorecard) : 0;
    return yahtzeeTotal(state.scorecard as Scorecard) - before;
  }

  outcome(state: GameState): EpisodeOutcome {
    return { score: yahtzeeTotal(state.scorecard as Scorecard) };
  }

  render(state: GameState, seat: SeatInfo): string {
    const card = state.scorecard as Scorecard;
    const lines = YAHTZEE_CATEGORIES.map((c) => `  ${c.padEnd(16)} ${card[c] ?? '-'}`);
    const dice = (state.dice as number[] | undefined)?.join(' ') ?? '';
    const head = state.gameover
      ? `game over: ${yahtzeeTotal(card)} points`
      : this.isTurn(state, seat)
        ? `dice: ${dice}   rolls left: ${this.rollsLeft}`
        : `waiting (dice: ${dice})`;
    return `${head}\n${lines.join('\n')}\n  ${'total'.padEnd(16)} ${yahtzeeTotal(card)}`;
  }
}
