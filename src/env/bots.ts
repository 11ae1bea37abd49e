import { YAHTZEE_CATEGORIES } from '../server/games/yahtzee.ts';
import { ownsLine } from '../server/games/tictactoe.ts';
import { SeededRng } from '../core/rng.ts';
import { rerollAction, YAHTZEE_ADD, YAHTZEE_CROSS, YAHTZEE_REROLLS } from './adapters/yahtzee.ts';
import type { Policy } from './policy.ts';

/** Picks a legal action uniformly at random (seeded). */
export class RandomPolicy implements Policy<unknown> {
  readonly name = 'random';
  private readonly rng: SeededRng;

  constructor(seed: number | string = 0) {
    this.rng = new SeededRng(`random-policy-${seed}`);
  }

  act(_observations: unknown[], masks: Uint8Array[]): number[] {
    return masks.map((mask) => randomLegal(mask, this.rng));
  }
}

/** A uniformly random index i with mask[i] === 1 (0 when none is legal). */
export function randomLegal(mask: Uint8Array, rng: SeededRng): number {
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += mask[i] as number;
  if (count === 0) return 0;
  let k = rng.int(0, count - 1);
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] && k-- === 0) return i;
  }
  return 0;
}

/**
 * Perfect TicTacToe (negamax over the whole game tree, memoised): never
 * loses, wins as fast as it can, and among equally safe moves takes those
 * that win most often against an opponent who errs (then at random).
 * Reads the TicTacToe adapter's observation (planes: mine, theirs, empty).
 */
export class MinimaxPolicy implements Policy<Float32Array> {
  readonly name = 'minimax';
  private readonly rng: SeededRng;
  private readonly memo = new Map<number, number>();
  private readonly edgeMemo = new Map<number, number>();

  constructor(seed: number | string = 0) {
    this.rng = new SeededRng(`minimax-policy-${seed}`);
  }

  act(observations: Float32Array[], masks: Uint8Array[]): number[] {
    return observations.map((obs, i) => this.best(obs, masks[i] as Uint8Array));
  }

  /** The game value of each legal move for the player to move (+ win, 0 draw, - loss; bigger = sooner). */
  moveValues(obs: Float32Array, mask: Uint8Array): Map<number, number> {
    const board = new Int8Array(9);
    for (let i = 0; i < 9; i++) board[i] = obs[i] ? 1 : obs[9 + i] ? -1 : 0;
    const values = new Map<number, number>();
    for (let i = 0; i < 9; i++) {
      if (!mask[i] || board[i] !== 0) continue;
      board[i] = 1;
      values.set(i, -this.negamax(board, -1));
      board[i] = 0;
    }
    return values;
  }

  private best(obs: Float32Array, mask: Uint8Array): number {
    const values = this.moveValues(obs, mask);
    let top = -Infinity;
    for (const v of values.values()) top = Math.max(top, v);
    let best = [...values].filter(([, v]) => v === top).map(([m]) => m);
    if (best.length === 0) return randomLegal(mask, this.rng);
    // Among moves that are equally good against perfect play, take those that win most often
    // against an opponent who errs (a uniformly random one).
    const board = new Int8Array(9);
    for (let i = 0; i < 9; i++) board[i] = obs[i] ? 1 : obs[9 + i] ? -1 : 0;
    const edge = new Map<number, number>();
    for (const m of best) {
      board[m] = 1;
      edge.set(m, this.versusRandom(board));
      board[m] = 0;
    }
    let topEdge = -Infinity;
    for (const v of edge.values()) topEdge = Math.max(topEdge, v);
    best = best.filter((m) => (edge.get(m) as number) >= topEdge - 1e-12);
    return best[this.rng.int(0, best.length - 1)] as number;
  }

  /**
   * Expected result (+1 win, 0 draw, -1 loss) for the player who just moved
   * (marked 1), when a random opponent (-1) moves next and this player then
   * keeps choosing safe moves by the same rule.
   */
  private versusRandom(board: Int8Array): number {
    let key = 3;
    for (let i = 0; i < 9; i++) key = key * 3 + ((board[i] as number) + 1);
    const cached = this.edgeMemo.get(key);
    if (cached !== undefined) return cached;
    let value: number;
    if (ownsLine(board, 1)) value = 1;
    else if (!board.includes(0)) value = 0;
    else {
      let sum = 0;
      let count = 0;
      for (let i = 0; i < 9; i++) {
        if (board[i] !== 0) continue;
        board[i] = -1;
        sum += this.afterRandomMove(board);
        board[i] = 0;
        count++;
      }
      value = sum / count;
    }
    this.edgeMemo.set(key, value);
    return value;
  }

  /** The random opponent (-1) just moved: our best safe reply's expected result. */
  private afterRandomMove(board: Int8Array): number {
    if (ownsLine(board, -1)) return -1;
    if (!board.includes(0)) return 0;
    let top = -Infinity;
    const options: number[] = [];
    for (let i = 0; i < 9; i++) {
      if (board[i] !== 0) continue;
      board[i] = 1;
      const v = -this.negamax(board, -1);
      board[i] = 0;
      if (v > top) {
        top = v;
        options.length = 0;
      }
      if (v === top) options.push(i);
    }
    let best = -Infinity;
    for (const i of options) {
      board[i] = 1;
      best = Math.max(best, this.versusRandom(board));
      board[i] = 0;
    }
    return best;
  }

  /** Value for `player` (1 or -1) to move on `board`, from that player's view. */
  private negamax(board: Int8Array, player: number): number {
    let key = player === 1 ? 1 : 2;
    for (let i = 0; i < 9; i++) key = key * 3 + ((board[i] as number) + 1);
    const cached = this.memo.get(key);
    if (cached !== undefined) return cached;
    let empty = 0;
    for (let i = 0; i < 9; i++) if (board[i] === 0) empty++;
    let value: number;
    if (ownsLine(board, -player))
      value = -(empty + 1); // the previous move won: sooner losses are worse
    else if (empty === 0) value = 0;
    else {
      value = -Infinity;
      for (let i = 0; i < 9; i++) {
        if (board[i] !== 0) continue;
        board[i] = player;
        value = Math.max(value, -this.negamax(board, -player));
        board[i] = 0;
      }
    }
    this.memo.set(key, value);
    return value;
  }
}

// Cheapest categories to give up when nothing scores, first to last.
const SACRIFICE = ['Ones', 'Yahtzee', 'Twos', 'Four of a Kind', 'Large Straight', 'Threes', 'Small Straight', 'Full House', 'Three of a Kind', 'Fours', 'Fives', 'Sixes', 'Chance'];

/**
 * A greedy Yahtzee player: scores a made straight, full house or Yahtzee at
 * once, otherwise rerolls every die but the most common face while it may,
 * then takes the category that pays most, or gives up the cheapest. Reads
 * the Yahtzee adapter's observation and mask.
 */
export class YahtzeeGreedyPolicy implements Policy<Float32Array> {
  readonly name = 'greedy';

  act(observations: Float32Array[], masks: Uint8Array[]): number[] {
    return observations.map((obs, i) => this.decide(obs, masks[i] as Uint8Array));
  }

  private decide(obs: Float32Array, mask: Uint8Array): number {
    const dice: number[] = [];
    for (let d = 0; d < 5; d++) {
      let face = 0;
      for (let f = 0; f < 6; f++) if (obs[d * 6 + f]) face = f + 1;
      dice.push(face);
    }
    const points = (c: number): number => Math.round((obs[48 + c] as number) * 50);
    const canAdd = (name: string): boolean => Boolean(mask[YAHTZEE_ADD + YAHTZEE_CATEGORIES.indexOf(name as never)]);

    for (const name of ['Yahtzee', 'Large Straight', 'Full House', 'Small Straight']) {
      if (canAdd(name)) return YAHTZEE_ADD + YAHTZEE_CATEGORIES.indexOf(name as never);
    }
    const canRoll = mask.subarray(0, YAHTZEE_REROLLS).some((m) => m === 1);
    if (canRoll) {
      const counts = new Array<number>(7).fill(0);
      for (const f of dice) counts[f] = (counts[f] ?? 0) + 1;
      let keep = 6;
      for (let f = 6; f >= 1; f--) if ((counts[f] as number) > (counts[keep] as number)) keep = f;
      const reroll = dice.flatMap((f, i) => (f === keep ? [] : [i]));
      if (reroll.length > 0) return rerollAction(reroll);
    }
    let best = -1;
    let bestPoints = 0;
    for (let c = 0; c < YAHTZEE_CATEGORIES.length; c++) {
      if (mask[YAHTZEE_ADD + c] && points(c) > bestPoints) {
        best = c;
        bestPoints = points(c);
      }
    }
    if (best >= 0) return YAHTZEE_ADD + best;
    for (const name of SACRIFICE) {
      const c = YAHTZEE_CATEGORIES.indexOf(name as never);
      if (mask[YAHTZEE_CROSS + c]) return YAHTZEE_CROSS + c;
    }
    return mask.indexOf(1);
  }
}
