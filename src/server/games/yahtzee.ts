import type { Game, GameDefinition, Json, Rng } from './game.ts';
import { pyStrip } from './pystr.ts';

/** The 13 scorecard categories, in the order the scorecard lists them. */
export const YAHTZEE_CATEGORIES = [
  'Ones',
  'Twos',
  'Threes',
  'Fours',
  'Fives',
  'Sixes',
  'Chance',
  'Three of a Kind',
  'Four of a Kind',
  'Full House',
  'Small Straight',
  'Large Straight',
  'Yahtzee',
] as const;

/** One of the 13 scorecard categories. */
export type YahtzeeCategory = (typeof YAHTZEE_CATEGORIES)[number];

/** A scorecard: category -> points, null while the category is unused. */
export type YahtzeeCategories = Record<YahtzeeCategory, number | null>;

const UPPER_SECTION: readonly string[] = YAHTZEE_CATEGORIES.slice(0, 6);

function isCategory(value: unknown): value is YahtzeeCategory {
  return typeof value === 'string' && (YAHTZEE_CATEGORIES as readonly string[]).includes(value);
}

/**
 * The points that scoring `category` with "add points" would give for `dice` (five
 * faces 1..6), or the exact error text the server answers when these dice do not
 * qualify (including 'no such category'). Does not know about the 150-point Yahtzee
 * bonus, which depends on the scorecard.
 */
export function yahtzeeScore(category: string, dice: readonly number[]): number | string {
  const counts = new Array<number>(7).fill(0);
  for (const d of dice) counts[d] = (counts[d] ?? 0) + 1;
  const has = (face: number): boolean => dice.includes(face);
  const sum = dice.reduce((a, b) => a + b, 0);

  const upper = UPPER_SECTION.indexOf(category);
  if (upper >= 0) {
    const face = upper + 1;
    const count = counts[face] ?? 0;
    if (count === 0) return `there are no ${face}s`;
    return count * face;
  }
  switch (category) {
    case 'Chance':
      return sum;
    case 'Three of a Kind':
      return counts.some((c) => c >= 3) ? sum : 'no three of a kind';
    case 'Four of a Kind':
      return counts.some((c) => c >= 4) ? sum : 'no four of a kind';
    case 'Full House':
      // Five of a kind has no count of 2 or 3, so it is not a full house.
      return counts.includes(2) && counts.includes(3) ? 25 : 'no full house';
    case 'Small Straight':
      return has(3) && has(4) && ((has(1) && has(2)) || (has(2) && has(5)) || (has(5) && has(6))) ? 30 : 'no small straight';
    case 'Large Straight':
      return has(2) && has(3) && has(4) && has(5) && (has(1) || has(6)) ? 40 : 'no large straight';
    case 'Yahtzee':
      return new Set(dice).size === 1 ? 50 : 'no yahtzee';
    default:
      return 'no such category';
  }
}

/**
 * A scorecard's total: the sum of all categories (unused ones count 0) plus a bonus of
 * 35 when the six upper categories sum to 63 or more.
 */
export function yahtzeeTotal(categories: Readonly<Partial<Record<string, number | null>>>): number {
  let total = 0;
  let upper = 0;
  for (const category of YAHTZEE_CATEGORIES) {
    const points = categories[category] ?? 0;
    total += points;
    if (UPPER_SECTION.includes(category)) upper += points;
  }
  return upper >= 63 ? total + 35 : total;
}

function emptyCategories(): YahtzeeCategories {
  const categories = {} as YahtzeeCategories;
  for (const category of YAHTZEE_CATEGORIES) categories[category] = null;
  return categories;
}

interface Scorecard {
  playerName: string | null;
  categories: YahtzeeCategories;
}

/**
 * Yahtzee for 1 to 8 players, following the reference server: first every player
 * submits a name (all of them are current), then a random player starts and turns
 * rotate by id. A turn has up to three rolls (the one at the start of the turn
 * included) and ends by scoring or crossing out a category.
 */
export class YahtzeeGame implements Game {
  private readonly players: number;
  private readonly rng: Rng;
  /** The unnamed players during the naming phase, then the id of the player to move. */
  private current: number[] | number;
  private over = false;
  private readonly scorecards: Scorecard[] = [];
  private readonly dice: number[] = [-1, -1, -1, -1, -1];
  private diceRolls = 0;
  private ranking: [string, number][] = [];

  constructor(players: number, rng: Rng) {
    this.players = players;
    this.rng = rng;
    this.current = Array.from({ length: players }, (_, i) => i);
    for (let i = 0; i < players; i++) {
      this.scorecards.push({ playerName: null, categories: emptyCategories() });
    }
    this.rollDice(null);
  }

  currentPlayers(): number[] {
    return Array.isArray(this.current) ? [...this.current] : [this.current];
  }

  move(move: { [key: string]: Json }, playerId: number): Json | null {
    if (Object.hasOwn(move, 'roll_dice')) return this.rollDice(move.roll_dice ?? null);
    if (Object.hasOwn(move, 'score')) {
      if (!Object.hasOwn(move, 'category')) return 'a category must be passed';
      const category = move.category ?? null;
      if (move.score === 'add points') return this.addPoints(category);
      if (move.score === 'cross out') return this.updateScorecard(category, 0);
      return 'no such score operation';
    }
    if (Object.hasOwn(move, 'name')) return this.setName(pyStrip(move.name), playerId);
    return 'no such move';
  }

  gameOver(): boolean {
    return this.over;
  }

  state(playerId: number): { [key: string]: Json } {
    const scorecard = this.scorecards[playerId];
    if (scorecard === undefined) throw new RangeError(`no player ${playerId}`);
    const state: { [key: string]: Json } = { scorecard: { ...scorecard.categories } };
    if (!Array.isArray(this.current)) {
      const currentName = this.scorecards[this.current]?.playerName;
      if (currentName) state.current_name = currentName;
    }
    if (this.over) {
      // fromEntries defines own properties, so a name like "__proto__" survives.
      state.ranking = Object.fromEntries(this.ranking);
    } else {
      state.dice = [...this.dice];
    }
    return state;
  }

  private rollDice(selection: Json): string | null {
    if (this.diceRolls >= 3) return 'dice were rolled three times already';
    if (Array.isArray(selection) && selection.length === 0) return 'no selection of dice entered';
    const indices = selection === null ? [0, 1, 2, 3, 4] : pyIterate(selection);
    const dice: number[] = [];
    for (const d of indices) {
      // Python tests `d in [0, 1, 2, 3, 4]`, where True == 1 and False == 0.
      const index = typeof d === 'boolean' ? Number(d) : d;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 4) {
        return 'invalid selection of dice';
      }
      dice.push(index);
    }
    for (const d of dice) this.dice[d] = this.rng.int(1, 6);
    this.diceRolls += 1;
    return null;
  }

  private addPoints(category: Json): string | null {
    if (typeof category !== 'string') return 'no such category';
    const points = yahtzeeScore(category, this.dice);
    if (typeof points === 'string') return points;
    return this.updateScorecard(category, points);
  }

  private updateScorecard(category: Json, points: number): string | null {
    if (Array.isArray(this.current)) {
      // Python indexes the scorecards with the list of unnamed players and crashes.
      throw new TypeError('cannot score during the naming phase');
    }
    if (category !== null && typeof category === 'object') {
      // Python looks a list or dict up in a dict and crashes (unhashable type).
      throw new TypeError('category must be hashable');
    }
    const categories = this.scorecards[this.current]!.categories;
    if (!isCategory(category)) return 'no such category';

    if (category === 'Yahtzee' && categories.Yahtzee === 50) {
      points = 150; // the +100 Yahtzee bonus, given even for a cross out
    } else if (categories[category] !== null) {
      return 'category was already used';
    }
    categories[category] = points;

    this.over = this.scorecards.every((sc) => YAHTZEE_CATEGORIES.every((c) => sc.categories[c] !== null));
    if (this.over) {
      this.current = [];
      // Unreachable fallback: every player has a name once scoring is possible; Python's
      // json.dumps would write a None key as "null".
      this.ranking = this.scorecards.map((sc) => [sc.playerName ?? 'null', yahtzeeTotal(sc.categories)]);
    } else {
      this.diceRolls = 0;
      this.rollDice(null);
      this.current = (this.current + 1) % this.players;
    }
    return null;
  }

  private setName(name: string, playerId: number): string | null {
    if (name === '') return 'name must not be empty';
    const scorecard = this.scorecards[playerId];
    if (scorecard === undefined) throw new RangeError(`no player ${playerId}`);
    if (scorecard.playerName) return 'you cannot change your name';
    if (this.scorecards.some((sc) => sc.playerName === name)) return 'name already in use';
    if (!Array.isArray(this.current) || !this.current.includes(playerId)) {
      // Python's list.remove (or int.remove) would raise here.
      throw new TypeError(`player ${playerId} is not waiting to submit a name`);
    }

    scorecard.playerName = name;
    this.current.splice(this.current.indexOf(playerId), 1);
    if (this.current.length === 0) this.current = this.rng.int(0, this.players - 1);
    return null;
  }
}

/**
 * The items Python's `for d in value` would visit for a JSON value: a list's
 * elements, a string's characters, an object's keys; a number, boolean or null is
 * not iterable and throws a TypeError.
 */
function pyIterate(value: Json): Json[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (value !== null && typeof value === 'object') return Object.keys(value);
  throw new TypeError(`'${value === null ? 'null' : typeof value}' object is not iterable`);
}

/** The Yahtzee game type: 1 to 8 players. */
export const Yahtzee: GameDefinition = Object.freeze({
  name: 'Yahtzee',
  minPlayers: 1,
  maxPlayers: 8,
  create: (players: number, rng: Rng): Game => new YahtzeeGame(players, rng),
});
