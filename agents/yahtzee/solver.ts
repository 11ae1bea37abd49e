/**
 * Exact optimal play of solitaire Yahtzee under the embedded server's rules,
 * by dynamic programming over the scorecard (Verhoeff's method). Pure code:
 * no I/O, typed arrays only.
 *
 * A turn-start state is (used categories, upper-section sum capped at 63,
 * whether Yahtzee holds 50). The rules followed are the server's: no joker;
 * an upper category without a die of its face can only be crossed out (0);
 * a full house needs a pair and a triple (five of a kind is none); while
 * Yahtzee holds 50, scoring it again (add points on a Yahtzee, or a cross out
 * on any dice) sets it to 150 (+100) and uses a turn without filling a
 * category; the game ends the moment every category is filled, so that bonus
 * must be taken before the last category. `yahtzeeBonus: false` drops the
 * 150 rule (then the game is standard solitaire Yahtzee without jokers).
 */

/** Number of scorecard categories (server order: Ones..Sixes, Chance, 3K, 4K, FH, SS, LS, Yahtzee). */
export const CATEGORIES = 13;
/** Index of the Yahtzee category. */
export const YAHTZEE = 12;
/** Number of sorted five-dice rolls. */
export const ROLLS = 252;
/** Number of kept sub-multisets (0 to 5 dice). */
export const KEEPS = 462;
const FULL = (1 << CATEGORIES) - 1;

/** The optimal expected score `solve` computes under the server's rules (the tests check it). */
export const YAHTZEE_OPTIMUM = 284.7862492931187;
/** The same without the 150 rule (published: 245.87). */
export const YAHTZEE_OPTIMUM_NO_BONUS = 245.87077451411133;

/** Solver options. */
export interface SolveOptions {
  /** Follow the server's 150-point rule (default true). */
  yahtzeeBonus?: boolean;
  /** Called with (done, total) work units as the solve proceeds. */
  onProgress?: (done: number, total: number) => void;
}

/** Index of a turn-start state in the value table. */
export function stateIndex(used: number, upper: number, holds50: boolean): number {
  return ((used << 6) | Math.min(upper, 63)) * 2 + (holds50 ? 1 : 0);
}

/** Size of the value table. */
export const STATES = (FULL + 1) * 64 * 2;

interface Tables {
  /** Counts of each face (6 per roll) for the 252 rolls. */
  rollCounts: Uint8Array;
  /** Probability of each roll from five fresh dice. */
  rollProb: Float64Array;
  /** Points for category c on roll r: `score[r * 13 + c]` (0 when it does not qualify). */
  score: Uint8Array;
  /** Keep with one more die of face f: `addFace[keep * 6 + f]` (keeps of under five dice). */
  addFace: Uint16Array;
  /** Keep with one die of face f fewer: `removeFace[keep * 6 + f]`, or 0xffff when it has none. */
  removeFace: Uint16Array;
  /** Keep index of a counts key (base 6 digits per face). */
  keepOfKey: Map<number, number>;
  rollOfKey: Map<number, number>;
}

function countsKey(counts: ArrayLike<number>): number {
  let key = 0;
  for (let f = 0; f < 6; f++) key = key * 6 + (counts[f] as number);
  return key;
}

/** Points "add points" gives for category c on dice with these face counts (0 when refused). */
export function categoryPoints(c: number, counts: ArrayLike<number>): number {
  let sum = 0;
  let max = 0;
  let twos = false;
  let threes = false;
  for (let f = 0; f < 6; f++) {
    const n = counts[f] as number;
    sum += n * (f + 1);
    if (n > max) max = n;
    if (n === 2) twos = true;
    if (n === 3) threes = true;
  }
  const has = (face: number): boolean => (counts[face - 1] as number) > 0;
  if (c < 6) return (counts[c] as number) * (c + 1);
  switch (c) {
    case 6:
      return sum;
    case 7:
      return max >= 3 ? sum : 0;
    case 8:
      return max >= 4 ? sum : 0;
    case 9:
      return twos && threes ? 25 : 0;
    case 10:
      return has(3) && has(4) && ((has(1) && has(2)) || (has(2) && has(5)) || (has(5) && has(6))) ? 30 : 0;
    case 11:
      return has(2) && has(3) && has(4) && has(5) && (has(1) || has(6)) ? 40 : 0;
    default:
      return max === 5 ? 50 : 0;
  }
}

function multisets(size: number): number[][] {
  const out: number[][] = [];
  const counts = [0, 0, 0, 0, 0, 0];
  const rec = (face: number, left: number): void => {
    if (face === 5) {
      counts[5] = left;
      out.push([...counts]);
      return;
    }
    for (let n = left; n >= 0; n--) {
      counts[face] = n;
      rec(face + 1, left - n);
    }
    counts[face] = 0;
  };
  rec(0, size);
  return out;
}

const FACT = [1, 1, 2, 6, 24, 120];

function multisetProb(counts: readonly number[]): number {
  let n = 0;
  let ways = 1;
  for (const c of counts) {
    n += c;
    ways /= FACT[c] as number;
  }
  return ((FACT[n] as number) * ways) / 6 ** n;
}

let cachedTables: Tables | null = null;

function tables(): Tables {
  if (cachedTables) return cachedTables;
  const rolls = multisets(5);
  const keeps: number[][] = [];
  for (let s = 0; s <= 5; s++) keeps.push(...multisets(s));
  const rollOfKey = new Map<number, number>();
  rolls.forEach((r, i) => rollOfKey.set(countsKey(r), i));
  const keepOfKey = new Map<number, number>();
  keeps.forEach((k, i) => keepOfKey.set(countsKey(k), i));

  const rollCounts = new Uint8Array(ROLLS * 6);
  const rollProb = new Float64Array(ROLLS);
  const score = new Uint8Array(ROLLS * CATEGORIES);
  rolls.forEach((r, i) => {
    rollCounts.set(r, i * 6);
    rollProb[i] = multisetProb(r);
    for (let c = 0; c < CATEGORIES; c++) score[i * CATEGORIES + c] = categoryPoints(c, r);
  });

  const addFace = new Uint16Array(KEEPS * 6);
  const removeFace = new Uint16Array(KEEPS * 6).fill(0xffff);
  keeps.forEach((k, i) => {
    const size = k.reduce((a, b) => a + b, 0);
    for (let f = 0; f < 6; f++) {
      if (size < 5) addFace[i * 6 + f] = keepOfKey.get(countsKey(k.map((n, g) => n + (g === f ? 1 : 0)))) as number;
      if ((k[f] as number) > 0) removeFace[i * 6 + f] = keepOfKey.get(countsKey(k.map((n, g) => n - (g === f ? 1 : 0)))) as number;
    }
  });

  cachedTables = {
    addFace,
    removeFace,
    rollCounts,
    rollProb,
    score,
    keepOfKey,
    rollOfKey,
  };
  return cachedTables;
}

/** The roll index (0..251) of five dice faces 1..6, in any order. */
export function rollIndex(dice: readonly number[]): number {
  const counts = [0, 0, 0, 0, 0, 0];
  for (const d of dice) counts[d - 1] = (counts[d - 1] as number) + 1;
  const r = tables().rollOfKey.get(countsKey(counts));
  if (r === undefined) throw new RangeError(`Expected five dice with faces 1..6, got ${JSON.stringify(dice)}`);
  return r;
}

/** The keep index of kept dice faces 1..6 (0 to 5 of them). */
export function keepIndex(dice: readonly number[]): number {
  const counts = [0, 0, 0, 0, 0, 0];
  for (const d of dice) counts[d - 1] = (counts[d - 1] as number) + 1;
  const k = tables().keepOfKey.get(countsKey(counts));
  if (k === undefined) throw new RangeError(`Expected up to five dice with faces 1..6, got ${JSON.stringify(dice)}`);
  return k;
}

/**
 * The values inside one turn, from its start state, under optimal play:
 * `e[n][r]` is the expected rest-of-game points holding roll r with n rerolls
 * left; `k[n][keep]` (n = 1, 2) is the expected rest-of-game points of keeping
 * `keep` and rerolling the others with n rerolls left.
 */
export interface TurnValues {
  e: [Float64Array, Float64Array, Float64Array];
  k: [Float64Array, Float64Array, Float64Array];
  /** Scratch space. */
  best: Float64Array;
}

/** Scratch space for one turn's computation. */
function newTurn(): TurnValues {
  return {
    e: [new Float64Array(ROLLS), new Float64Array(ROLLS), new Float64Array(ROLLS)],
    k: [new Float64Array(0), new Float64Array(KEEPS), new Float64Array(KEEPS)],
    best: new Float64Array(KEEPS),
  };
}

/**
 * The value of ending the turn on category c with `points` from state
 * (used, upper, holds50): the points it adds (upper bonus included) plus the
 * value of the next state. A cross out is 0 points. For Yahtzee while it holds
 * 50 (with the 150 rule) it is the rule's +100, whatever `points` is;
 * -Infinity when c is used.
 */
export function scoreValue(values: Float64Array, used: number, upper: number, holds50: boolean, c: number, points: number, bonusRule = true): number {
  if (c === YAHTZEE && holds50 && bonusRule) return 100 + (values[stateIndex(used, upper, false)] as number);
  if (used & (1 << c)) return -Infinity;
  const nextUsed = used | (1 << c);
  const v = (u: number, h: boolean): number => (nextUsed === FULL ? 0 : (values[stateIndex(nextUsed, u, h)] as number));
  if (c < 6) {
    const nextUpper = Math.min(63, upper + points);
    return points + (upper < 63 && nextUpper >= 63 ? 35 : 0) + v(nextUpper, holds50);
  }
  return points + v(upper, c === YAHTZEE ? bonusRule && points === 50 : holds50);
}

/** Fills `turn` for the state and returns its value (expected points from the start of the turn on). */
export function solveTurn(values: Float64Array, used: number, upper: number, holds50: boolean, bonusRule: boolean, turn: TurnValues): number {
  const t = tables();
  const [e0, e1, e2] = turn.e;
  const k1 = turn.k[1];
  const k2 = turn.k[2];
  const free: number[] = [];
  for (let c = 0; c < CATEGORIES; c++) if (!(used & (1 << c))) free.push(c);
  const yahtzeeBonus = bonusRule && holds50 ? 100 + (values[stateIndex(used, upper, false)] as number) : -Infinity;

  // The value after scoring depends on the roll only through the points (and, for Yahtzee, whether it is one).
  e0.fill(yahtzeeBonus);
  const after = new Float64Array(6);
  for (const c of free) {
    if (c < 6) {
      for (let n = 0; n <= 5; n++) after[n] = scoreValue(values, used, upper, holds50, c, n * (c + 1), bonusRule);
      for (let r = 0; r < ROLLS; r++) {
        const x = after[t.rollCounts[r * 6 + c] as number] as number;
        if (x > (e0[r] as number)) e0[r] = x;
      }
    } else {
      // Outside the upper section the next state does not depend on the points, except a made Yahtzee's.
      const crossed = scoreValue(values, used, upper, holds50, c, 0, bonusRule);
      const yahtzee = c === YAHTZEE ? scoreValue(values, used, upper, holds50, c, 50, bonusRule) : 0;
      for (let r = 0; r < ROLLS; r++) {
        const points = t.score[r * CATEGORIES + c] as number;
        const x = c === YAHTZEE && points === 50 ? yahtzee : points + crossed;
        if (x > (e0[r] as number)) e0[r] = x;
      }
    }
  }
  rerollLayer(t, e0, k1, turn.best, e1);
  rerollLayer(t, e1, k2, turn.best, e2);
  let v = 0;
  for (let r = 0; r < ROLLS; r++) v += (t.rollProb[r] as number) * (e2[r] as number);
  return v;
}

/** Index of the first five-dice keep: keeps are ordered by size, and the five-dice ones follow the rolls' order. */
const FIVE = KEEPS - ROLLS;

/**
 * One reroll: `k[keep]` = expected value of keeping `keep` and rolling the other
 * dice once more, when `e` values the resulting rolls; then `eOut[r]` = the best
 * keep inside roll r (keeping all five included). `best` is scratch space.
 */
function rerollLayer(t: Tables, e: Float64Array, k: Float64Array, best: Float64Array, eOut: Float64Array): void {
  const { addFace, removeFace } = t;
  k.set(e, FIVE);
  for (let keep = FIVE - 1; keep >= 0; keep--) {
    const a = keep * 6;
    k[keep] =
      ((k[addFace[a] as number] as number) +
        (k[addFace[a + 1] as number] as number) +
        (k[addFace[a + 2] as number] as number) +
        (k[addFace[a + 3] as number] as number) +
        (k[addFace[a + 4] as number] as number) +
        (k[addFace[a + 5] as number] as number)) /
      6;
  }
  for (let keep = 0; keep < KEEPS; keep++) {
    let m = k[keep] as number;
    for (let f = 0; f < 6; f++) {
      const sub = removeFace[keep * 6 + f] as number;
      if (sub !== 0xffff && (best[sub] as number) > m) m = best[sub] as number;
    }
    best[keep] = m;
  }
  for (let r = 0; r < ROLLS; r++) eOut[r] = best[FIVE + r] as number;
}

/** The upper sums (0..63, capped) reachable with exactly these upper categories used. */
export function reachableUpper(usedUpper: number): Uint8Array {
  let sums = new Uint8Array(64);
  sums[0] = 1;
  for (let c = 0; c < 6; c++) {
    if (!(usedUpper & (1 << c))) continue;
    const next = new Uint8Array(64);
    for (let s = 0; s < 64; s++) {
      if (!sums[s]) continue;
      for (let n = 0; n <= 5; n++) next[Math.min(63, s + n * (c + 1))] = 1;
    }
    sums = next;
  }
  return sums;
}

/** A solved game: turn-start values for every reachable state, and the value of a new game. */
export interface Solution {
  yahtzeeBonus: boolean;
  /** Expected rest-of-game points per `stateIndex` (NaN for unreachable states). */
  values: Float64Array;
  /** The optimal expected score of a new game. */
  expected: number;
}

/**
 * Solves the game by backward induction over the scorecard. Work grows with the
 * reachable states: about 600k with the 150 rule, 400k without.
 */
export function solve(options: SolveOptions = {}): Solution {
  const bonusRule = options.yahtzeeBonus ?? true;
  const values = new Float64Array(STATES).fill(Number.NaN);
  const turn = newTurn();
  const reach = Array.from({ length: 64 }, (_, u) => reachableUpper(u));
  let total = 0;
  for (let used = 0; used < FULL; used++) total += reach[used & 63]!.reduce((a, b) => a + b, 0) * (bonusRule && used & (1 << YAHTZEE) ? 2 : 1);
  let done = 0;
  // A category only ever gets added, so every state's successors have larger `used`.
  for (let used = FULL - 1; used >= 0; used--) {
    const sums = reach[used & 63] as Uint8Array;
    const flags = bonusRule && used & (1 << YAHTZEE) ? [false, true] : [false];
    for (let upper = 0; upper < 64; upper++) {
      if (!sums[upper]) continue;
      for (const holds50 of flags) {
        values[stateIndex(used, upper, holds50)] = solveTurn(values, used, upper, holds50, bonusRule, turn);
        done++;
      }
    }
    if (options.onProgress && (used & 255) === 0) options.onProgress(done, total);
  }
  options.onProgress?.(total, total);
  return { yahtzeeBonus: bonusRule, values, expected: values[stateIndex(0, 0, false)] as number };
}

/** A fresh scratch space for `solveTurn`. */
export function turnScratch(): TurnValues {
  return newTurn();
}
