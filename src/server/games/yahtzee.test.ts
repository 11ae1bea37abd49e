import { describe, it, expect } from 'vitest';
import { SeededRng } from '../../core/rng.ts';
import type { Json } from './game.ts';
import { ScriptedRng } from '../../testing/scripted-rng.ts';
import { YAHTZEE_CATEGORIES, Yahtzee, YahtzeeGame, yahtzeeScore, yahtzeeTotal } from './yahtzee.ts';

const ALL_NULL =
  '{"Ones":null,"Twos":null,"Threes":null,"Fours":null,"Fives":null,"Sixes":null,"Chance":null,' +
  '"Three of a Kind":null,"Four of a Kind":null,"Full House":null,"Small Straight":null,' +
  '"Large Straight":null,"Yahtzee":null}';

/** A solo game already past naming ('solo'), showing `dice`. */
function solo(dice: number[]): { game: YahtzeeGame; rng: ScriptedRng } {
  const rng = new ScriptedRng([...dice, 0]);
  const game = new YahtzeeGame(1, rng);
  expect(game.move({ name: 'solo' }, 0)).toBeNull();
  expect(rng.remaining()).toBe(0);
  return { game, rng };
}

/** A solo game still in the naming phase, showing `dice`. */
function unnamed(dice: number[] = [1, 1, 1, 1, 1]): { game: YahtzeeGame; rng: ScriptedRng } {
  const rng = new ScriptedRng(dice);
  return { game: new YahtzeeGame(1, rng), rng };
}

function dice(game: YahtzeeGame, player = 0): number[] {
  return game.state(player).dice as number[];
}

function card(game: YahtzeeGame, player = 0): Record<string, number | null> {
  return game.state(player).scorecard as Record<string, number | null>;
}

/** Scores for the current player; `next` are the dice rolled for the following turn. */
function score(game: YahtzeeGame, rng: ScriptedRng, category: Json, next: number[], op: 'add points' | 'cross out' = 'add points'): Json | null | undefined {
  rng.push(...next);
  return game.move({ score: op, category }, game.currentPlayers()[0]!);
}

describe('Yahtzee definition and helpers', () => {
  it('is a 1..8 player game type', () => {
    expect(Yahtzee.name).toBe('Yahtzee');
    expect(Yahtzee.minPlayers).toBe(1);
    expect(Yahtzee.maxPlayers).toBe(8);
    expect(Yahtzee.create(2, new SeededRng(1))).toBeInstanceOf(YahtzeeGame);
  });

  it('lists the categories in scorecard order', () => {
    expect(YAHTZEE_CATEGORIES).toEqual([
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
    ]);
  });

  const table: [string, number[], number | string][] = [
    ['Ones', [1, 1, 2, 3, 1], 3],
    ['Ones', [2, 2, 2, 2, 2], 'there are no 1s'],
    ['Twos', [2, 2, 2, 2, 5], 8],
    ['Twos', [1, 3, 4, 5, 6], 'there are no 2s'],
    ['Threes', [3, 1, 1, 1, 1], 3],
    ['Threes', [1, 2, 4, 5, 6], 'there are no 3s'],
    ['Fours', [4, 4, 1, 2, 3], 8],
    ['Fours', [1, 2, 3, 5, 6], 'there are no 4s'],
    ['Fives', [5, 5, 5, 5, 5], 25],
    ['Fives', [1, 2, 3, 4, 6], 'there are no 5s'],
    ['Sixes', [6, 1, 6, 1, 6], 18],
    ['Sixes', [1, 1, 1, 1, 1], 'there are no 6s'],
    ['Chance', [1, 3, 5, 6, 2], 17],
    ['Chance', [6, 6, 6, 6, 6], 30],
    ['Three of a Kind', [2, 2, 2, 5, 6], 17],
    ['Three of a Kind', [4, 4, 4, 4, 1], 17],
    ['Three of a Kind', [6, 6, 6, 6, 6], 30],
    ['Three of a Kind', [1, 1, 2, 2, 3], 'no three of a kind'],
    ['Four of a Kind', [3, 3, 3, 3, 1], 13],
    ['Four of a Kind', [5, 5, 5, 5, 5], 25],
    ['Four of a Kind', [3, 3, 3, 1, 1], 'no four of a kind'],
    ['Full House', [2, 2, 3, 3, 3], 25],
    ['Full House', [6, 5, 6, 5, 5], 25],
    ['Full House', [5, 5, 5, 5, 5], 'no full house'],
    ['Full House', [2, 2, 3, 3, 4], 'no full house'],
    ['Full House', [1, 1, 1, 1, 2], 'no full house'],
    ['Small Straight', [1, 2, 3, 4, 6], 30],
    ['Small Straight', [6, 5, 4, 3, 1], 30],
    ['Small Straight', [2, 3, 4, 5, 5], 30],
    ['Small Straight', [1, 2, 3, 4, 5], 30],
    ['Small Straight', [3, 4, 4, 5, 6], 30],
    ['Small Straight', [1, 2, 3, 5, 6], 'no small straight'],
    ['Small Straight', [1, 2, 4, 5, 6], 'no small straight'],
    ['Small Straight', [1, 3, 4, 6, 6], 'no small straight'],
    ['Large Straight', [1, 2, 3, 4, 5], 40],
    ['Large Straight', [6, 2, 5, 3, 4], 40],
    ['Large Straight', [1, 2, 3, 4, 6], 'no large straight'],
    ['Large Straight', [2, 3, 4, 5, 5], 'no large straight'],
    ['Yahtzee', [4, 4, 4, 4, 4], 50],
    ['Yahtzee', [4, 4, 4, 4, 3], 'no yahtzee'],
    ['Bogus', [1, 2, 3, 4, 5], 'no such category'],
    ['ones', [1, 1, 1, 1, 1], 'no such category'],
  ];

  it('yahtzeeScore scores every category or gives the exact error', () => {
    for (const [category, d, expected] of table) {
      expect(yahtzeeScore(category, d), `${category} ${d}`).toBe(expected);
    }
  });

  it('the game scores each category exactly like yahtzeeScore', () => {
    for (const [category, d, expected] of table) {
      const { game, rng } = solo(d);
      const result = score(game, rng, category, [1, 1, 1, 1, 1]);
      if (typeof expected === 'number') {
        expect(result, `${category} ${d}`).toBeNull();
        expect(card(game)[category]).toBe(expected);
      } else {
        expect(result, `${category} ${d}`).toBe(expected);
        expect(JSON.stringify(card(game))).toBe(ALL_NULL);
        expect(dice(game)).toEqual(d);
        expect(rng.remaining()).toBe(5); // the failed move rolled nothing
      }
    }
  });

  it('yahtzeeTotal adds the upper bonus at 63', () => {
    const upper63 = { Ones: 3, Twos: 6, Threes: 9, Fours: 12, Fives: 15, Sixes: 18 };
    expect(yahtzeeTotal(upper63)).toBe(63 + 35);
    expect(yahtzeeTotal({ ...upper63, Ones: 2 })).toBe(62);
    expect(yahtzeeTotal({ ...upper63, Chance: 20, Yahtzee: 150 })).toBe(63 + 35 + 170);
    // Lower-section points do not count toward the bonus; unused categories count 0.
    expect(yahtzeeTotal({ Ones: null, Chance: 30, 'Large Straight': 40 })).toBe(70);
    expect(yahtzeeTotal({})).toBe(0);
  });
});

describe('Yahtzee state', () => {
  it('shows scorecard then dice during naming, with all unnamed players current', () => {
    const rng = new ScriptedRng([1, 2, 3, 4, 5]);
    const game = new YahtzeeGame(2, rng);
    expect(rng.calls).toEqual([
      [1, 6],
      [1, 6],
      [1, 6],
      [1, 6],
      [1, 6],
    ]);
    expect(game.currentPlayers()).toEqual([0, 1]);
    expect(game.gameOver()).toBe(false);
    expect(JSON.stringify(game.state(0))).toBe(`{"scorecard":${ALL_NULL},"dice":[1,2,3,4,5]}`);
    expect(JSON.stringify(game.state(1))).toBe(`{"scorecard":${ALL_NULL},"dice":[1,2,3,4,5]}`);
  });

  it('adds current_name between scorecard and dice while playing', () => {
    const { game } = solo([6, 5, 3, 1, 6]);
    expect(game.currentPlayers()).toEqual([0]);
    expect(JSON.stringify(game.state(0))).toBe(`{"scorecard":${ALL_NULL},"current_name":"solo","dice":[6,5,3,1,6]}`);
  });

  it('hands out copies', () => {
    const { game } = solo([6, 5, 3, 1, 6]);
    const state = game.state(0);
    (state.dice as number[])[0] = 1;
    (state.scorecard as Record<string, number>).Ones = 5;
    expect(JSON.stringify(game.state(0))).toBe(`{"scorecard":${ALL_NULL},"current_name":"solo","dice":[6,5,3,1,6]}`);
    const current = game.currentPlayers();
    current.push(7);
    expect(game.currentPlayers()).toEqual([0]);
  });
});

describe('Yahtzee naming phase', () => {
  it('removes named players from current, then draws a starter with rng.int(0, n-1)', () => {
    const rng = new ScriptedRng([1, 2, 3, 4, 5]);
    const game = new YahtzeeGame(3, rng);
    expect(game.move({ name: 'bob' }, 1)).toBeNull();
    expect(game.currentPlayers()).toEqual([0, 2]);
    expect(game.state(1)).not.toHaveProperty('current_name');
    expect(game.move({ name: 'bob' }, 2)).toBe('name already in use');
    expect(game.move({ name: ' bob\t' }, 2)).toBe('name already in use');
    expect(game.move({ name: '' }, 2)).toBe('name must not be empty');
    expect(game.move({ name: ' \n ' }, 2)).toBe('name must not be empty');
    // A named player (only possible outside the framework's turn check) cannot rename.
    expect(game.move({ name: 'robert' }, 1)).toBe('you cannot change your name');
    expect(game.move({ name: 'ann' }, 0)).toBeNull();
    expect(game.currentPlayers()).toEqual([2]);
    rng.push(2);
    expect(game.move({ name: '  cy ' }, 2)).toBeNull();
    expect(rng.calls.at(-1)).toEqual([0, 2]);
    expect(game.currentPlayers()).toEqual([2]);
    expect(game.state(0).current_name).toBe('cy');
    expect(game.state(1).current_name).toBe('cy');
  });

  it('draws the starter from the seeded rng after the five opening dice', () => {
    const starters = new Set<number>();
    for (let seed = 0; seed < 40; seed++) {
      const game = new YahtzeeGame(3, new SeededRng(seed));
      for (const [id, name] of ['ann', 'bob', 'cy'].entries()) game.move({ name }, id);
      const replay = new SeededRng(seed);
      const opening = [0, 1, 2, 3, 4].map(() => replay.int(1, 6));
      const starter = replay.int(0, 2);
      expect(dice(game)).toEqual(opening);
      expect(game.currentPlayers()).toEqual([starter]);
      starters.add(starter);
    }
    expect([...starters].sort()).toEqual([0, 1, 2]);
  });

  it('does not let the current player change name', () => {
    const { game } = solo([1, 2, 3, 4, 5]);
    expect(game.move({ name: 'other' }, 0)).toBe('you cannot change your name');
    // Checked before 'name already in use'.
    expect(game.move({ name: 'solo' }, 0)).toBe('you cannot change your name');
    expect(game.move({ name: '' }, 0)).toBe('name must not be empty');
  });

  it('strips names like Python', () => {
    const rng = new ScriptedRng([1, 2, 3, 4, 5, 0]);
    const game = new YahtzeeGame(1, rng);
    expect(game.move({ name: '\u0085solo\u001c' }, 0)).toBeNull();
    expect(game.state(0).current_name).toBe('solo');
  });

  it('throws on a non-string name (Python crashes)', () => {
    const { game } = unnamed();
    for (const name of [5, null, ['a'], { a: 1 }, true]) {
      expect(() => game.move({ name }, 0)).toThrow(TypeError);
    }
    expect(game.currentPlayers()).toEqual([0]);
  });

  it('crashes on scoring during naming, except when the dice or category are rejected first', () => {
    const { game } = unnamed([3, 3, 3, 3, 3]);
    expect(() => game.move({ score: 'add points', category: 'Threes' }, 0)).toThrow(TypeError);
    expect(() => game.move({ score: 'cross out', category: 'Chance' }, 0)).toThrow(TypeError);
    expect(() => game.move({ score: 'cross out', category: 'Bogus' }, 0)).toThrow(TypeError);
    expect(game.move({ score: 'add points', category: 'Ones' }, 0)).toBe('there are no 1s');
    expect(game.move({ score: 'add points', category: 'Bogus' }, 0)).toBe('no such category');
    expect(JSON.stringify(game.state(0))).toBe(`{"scorecard":${ALL_NULL},"dice":[3,3,3,3,3]}`);
    expect(game.currentPlayers()).toEqual([0]);
  });
});

describe('Yahtzee dice rolls', () => {
  it('allows three rolls per turn, counting the opening roll and rolls made while naming', () => {
    const rng = new ScriptedRng([1, 1, 1, 1, 1]); // roll 1: construction
    const game = new YahtzeeGame(1, rng);
    rng.push(6);
    expect(game.move({ roll_dice: [0] }, 0)).toBeNull(); // roll 2, before naming
    expect(dice(game)).toEqual([6, 1, 1, 1, 1]);
    rng.push(0);
    expect(game.move({ name: 'solo' }, 0)).toBeNull();
    rng.push(5);
    expect(game.move({ roll_dice: [4] }, 0)).toBeNull(); // roll 3
    expect(dice(game)).toEqual([6, 1, 1, 1, 5]);
    expect(game.move({ roll_dice: [1] }, 0)).toBe('dice were rolled three times already');
    // The limit is checked before the selection, even one that would crash.
    expect(game.move({ roll_dice: null }, 0)).toBe('dice were rolled three times already');
    expect(game.move({ roll_dice: 'x' }, 0)).toBe('dice were rolled three times already');
    expect(game.move({ roll_dice: 7 }, 0)).toBe('dice were rolled three times already');
    expect(rng.remaining()).toBe(0);
    expect(dice(game)).toEqual([6, 1, 1, 1, 5]);

    // Scoring starts a new turn with a fresh roll of all five dice.
    expect(score(game, rng, 'Chance', [2, 2, 2, 2, 2])).toBeNull();
    expect(dice(game)).toEqual([2, 2, 2, 2, 2]);
    rng.push(3, 4);
    expect(game.move({ roll_dice: [0] }, 0)).toBeNull();
    expect(game.move({ roll_dice: [1] }, 0)).toBeNull();
    expect(game.move({ roll_dice: [2] }, 0)).toBe('dice were rolled three times already');
    expect(dice(game)).toEqual([3, 4, 2, 2, 2]);
  });

  it('rolls all five dice for null, in index order', () => {
    const { game, rng } = unnamed();
    rng.push(2, 3, 4, 5, 6);
    expect(game.move({ roll_dice: null }, 0)).toBeNull();
    expect(dice(game)).toEqual([2, 3, 4, 5, 6]);
    expect(rng.calls).toHaveLength(10);
    expect(rng.calls.every(([a, b]) => a === 1 && b === 6)).toBe(true);
  });

  it('rolls the selected dice in the order given, duplicates twice', () => {
    const { game, rng } = unnamed();
    rng.push(6, 5);
    expect(game.move({ roll_dice: [4, 0] }, 0)).toBeNull();
    expect(dice(game)).toEqual([5, 1, 1, 1, 6]);
    rng.push(3, 4);
    expect(game.move({ roll_dice: [2, 2] }, 0)).toBeNull();
    expect(dice(game)).toEqual([5, 1, 4, 1, 6]);
    expect(rng.remaining()).toBe(0);
  });

  it('treats booleans as indices 0 and 1, like Python', () => {
    const { game, rng } = unnamed();
    rng.push(6, 5);
    expect(game.move({ roll_dice: [true, false] }, 0)).toBeNull();
    expect(dice(game)).toEqual([5, 6, 1, 1, 1]);
  });

  it('rejects bad selections without rolling or counting a roll', () => {
    const { game, rng } = unnamed();
    expect(game.move({ roll_dice: [] }, 0)).toBe('no selection of dice entered');
    const invalid: Json[] = [[5], [-1], [0.5], ['0'], [null], [[0]], [{}], [0, 7], [1, 2, 3, 4, 5], 'abc', '0', { '0': 1 }];
    for (const roll_dice of invalid) {
      expect(game.move({ roll_dice }, 0), JSON.stringify(roll_dice)).toBe('invalid selection of dice');
    }
    expect(dice(game)).toEqual([1, 1, 1, 1, 1]);
    expect(rng.calls).toHaveLength(5);
    // Both remaining rolls are still available.
    rng.push(2, 3);
    expect(game.move({ roll_dice: [0] }, 0)).toBeNull();
    expect(game.move({ roll_dice: [1] }, 0)).toBeNull();
    expect(game.move({ roll_dice: [2] }, 0)).toBe('dice were rolled three times already');
  });

  it('counts an empty string or empty object as a roll of no dice (Python iterates them)', () => {
    for (const roll_dice of ['', {}]) {
      const { game, rng } = unnamed();
      expect(game.move({ roll_dice }, 0)).toBeNull();
      expect(rng.calls).toHaveLength(5);
      rng.push(4);
      expect(game.move({ roll_dice: [0] }, 0)).toBeNull();
      expect(game.move({ roll_dice: [0] }, 0)).toBe('dice were rolled three times already');
      expect(dice(game)).toEqual([4, 1, 1, 1, 1]);
    }
  });

  it('throws for a selection Python cannot iterate', () => {
    const { game, rng } = unnamed();
    for (const roll_dice of [3, 0, true, false, 1.5]) {
      expect(() => game.move({ roll_dice }, 0), JSON.stringify(roll_dice)).toThrow(TypeError);
    }
    expect(rng.calls).toHaveLength(5);
    rng.push(2, 3);
    expect(game.move({ roll_dice: [0] }, 0)).toBeNull();
    expect(game.move({ roll_dice: [0] }, 0)).toBeNull();
  });
});

describe('Yahtzee moves', () => {
  it('dispatches roll_dice first, then score, then name', () => {
    const { game, rng } = solo([1, 2, 3, 4, 5]);
    rng.push(6);
    expect(game.move({ name: 'x', score: 'add points', category: 'Chance', roll_dice: [0] }, 0)).toBeNull();
    expect(dice(game)).toEqual([6, 2, 3, 4, 5]);
    expect(card(game).Chance).toBeNull();
    expect(game.move({ name: 'x', score: 'bogus', category: 'Chance' }, 0)).toBe('no such score operation');
    expect(game.move({ name: 'x', score: 'add points' }, 0)).toBe('a category must be passed');
  });

  it('reports malformed moves with the reference texts', () => {
    const { game } = solo([1, 2, 3, 4, 5]);
    expect(game.move({}, 0)).toBe('no such move');
    expect(game.move({ category: 'Chance' }, 0)).toBe('no such move');
    expect(game.move({ scores: 'add points' }, 0)).toBe('no such move');
    expect(game.move({ score: 'add points' }, 0)).toBe('a category must be passed');
    expect(game.move({ score: 'cross out' }, 0)).toBe('a category must be passed');
    expect(game.move({ score: 'bogus' }, 0)).toBe('a category must be passed');
    expect(game.move({ score: 'Add Points', category: 'Chance' }, 0)).toBe('no such score operation');
    expect(game.move({ score: null, category: 'Chance' }, 0)).toBe('no such score operation');
    for (const category of ['Bogus', 'chance', 5, null, true, ['Chance'], { Chance: 1 }]) {
      expect(game.move({ score: 'add points', category }, 0)).toBe('no such category');
    }
    for (const category of ['Bogus', 'chance', 5, null, true]) {
      expect(game.move({ score: 'cross out', category }, 0)).toBe('no such category');
    }
    // Python looks these up in a dict and crashes (unhashable type).
    expect(() => game.move({ score: 'cross out', category: ['Chance'] }, 0)).toThrow(TypeError);
    expect(() => game.move({ score: 'cross out', category: {} }, 0)).toThrow(TypeError);
    expect(JSON.stringify(game.state(0))).toBe(`{"scorecard":${ALL_NULL},"current_name":"solo","dice":[1,2,3,4,5]}`);
  });

  it('refuses a category twice, for add points and cross out', () => {
    const { game, rng } = solo([1, 2, 3, 4, 5]);
    expect(score(game, rng, 'Chance', [1, 2, 3, 4, 6])).toBeNull();
    expect(card(game).Chance).toBe(15);
    expect(game.move({ score: 'add points', category: 'Chance' }, 0)).toBe('category was already used');
    expect(game.move({ score: 'cross out', category: 'Chance' }, 0)).toBe('category was already used');
    expect(score(game, rng, 'Ones', [5, 5, 5, 5, 5], 'cross out')).toBeNull();
    expect(card(game).Ones).toBe(0);
    expect(game.move({ score: 'cross out', category: 'Ones' }, 0)).toBe('category was already used');
    expect(score(game, rng, 'Fives', [1, 1, 1, 1, 5])).toBeNull();
    expect(card(game).Fives).toBe(25);
    expect(game.move({ score: 'add points', category: 'Fives' }, 0)).toBe('category was already used');
    // add points checks the dice before the scorecard.
    rng.push(1);
    expect(game.move({ roll_dice: [4] }, 0)).toBeNull();
    expect(game.move({ score: 'add points', category: 'Fives' }, 0)).toBe('there are no 5s');
  });

  it('gives 150 for a second Yahtzee scored with add points', () => {
    const { game, rng } = solo([6, 6, 6, 6, 6]);
    expect(score(game, rng, 'Yahtzee', [2, 2, 2, 2, 2])).toBeNull();
    expect(card(game).Yahtzee).toBe(50);
    expect(score(game, rng, 'Yahtzee', [1, 2, 3, 4, 5])).toBeNull();
    expect(card(game).Yahtzee).toBe(150);
    // The scoring move ended the turn as usual.
    expect(dice(game)).toEqual([1, 2, 3, 4, 5]);
    expect(game.move({ score: 'add points', category: 'Yahtzee' }, 0)).toBe('no yahtzee');
    rng.push(3, 3, 3, 3, 3);
    expect(game.move({ roll_dice: null }, 0)).toBeNull();
    expect(game.move({ score: 'add points', category: 'Yahtzee' }, 0)).toBe('category was already used');
  });

  it('gives 150 for crossing out a Yahtzee that scored 50', () => {
    const { game, rng } = solo([6, 6, 6, 6, 6]);
    expect(score(game, rng, 'Yahtzee', [1, 2, 3, 4, 5])).toBeNull();
    expect(score(game, rng, 'Yahtzee', [1, 2, 3, 4, 5], 'cross out')).toBeNull();
    expect(card(game).Yahtzee).toBe(150);
    expect(game.move({ score: 'cross out', category: 'Yahtzee' }, 0)).toBe('category was already used');
  });

  it('gives no bonus once Yahtzee was crossed out', () => {
    const { game, rng } = solo([1, 2, 3, 4, 5]);
    expect(score(game, rng, 'Yahtzee', [4, 4, 4, 4, 4], 'cross out')).toBeNull();
    expect(card(game).Yahtzee).toBe(0);
    expect(game.move({ score: 'add points', category: 'Yahtzee' }, 0)).toBe('category was already used');
  });

  it('plays a full solo game of 13 turns with the upper bonus', () => {
    const turns: [number[], string, 'add points' | 'cross out', number][] = [
      [[1, 1, 1, 1, 2], 'Ones', 'add points', 4],
      [[2, 2, 2, 3, 3], 'Twos', 'add points', 6],
      [[3, 3, 3, 3, 1], 'Threes', 'add points', 12],
      [[4, 4, 4, 1, 1], 'Fours', 'add points', 12],
      [[5, 5, 5, 5, 5], 'Fives', 'add points', 25],
      [[6, 6, 6, 1, 2], 'Sixes', 'add points', 18],
      [[1, 3, 5, 6, 2], 'Chance', 'add points', 17],
      [[2, 2, 2, 5, 6], 'Three of a Kind', 'add points', 17],
      [[3, 3, 3, 3, 1], 'Four of a Kind', 'add points', 13],
      [[2, 2, 3, 3, 3], 'Full House', 'add points', 25],
      [[1, 2, 3, 4, 6], 'Small Straight', 'add points', 30],
      [[6, 2, 5, 3, 4], 'Large Straight', 'add points', 40],
      [[1, 2, 3, 4, 5], 'Yahtzee', 'cross out', 0],
    ];
    const { game, rng } = solo(turns[0]![0]);
    for (let t = 0; t < turns.length; t++) {
      const [d, category, op, points] = turns[t]!;
      expect(game.gameOver()).toBe(false);
      expect(game.currentPlayers()).toEqual([0]);
      expect(dice(game)).toEqual(d);
      const next = turns[t + 1]?.[0] ?? [];
      expect(score(game, rng, category, next, op), category).toBeNull();
      expect(card(game)[category]).toBe(points);
    }
    // Upper section: 77 >= 63, so 35 bonus; lower section 142.
    expect(game.gameOver()).toBe(true);
    expect(game.currentPlayers()).toEqual([]);
    expect(rng.remaining()).toBe(0); // no roll after the last turn
    expect(JSON.stringify(game.state(0))).toBe(
      '{"scorecard":{"Ones":4,"Twos":6,"Threes":12,"Fours":12,"Fives":25,"Sixes":18,"Chance":17,' +
        '"Three of a Kind":17,"Four of a Kind":13,"Full House":25,"Small Straight":30,' +
        '"Large Straight":40,"Yahtzee":0},"ranking":{"solo":254}}',
    );
    expect(yahtzeeTotal(card(game))).toBe(254);
  });

  it('gives no upper bonus below 63', () => {
    const { game, rng } = solo([1, 1, 1, 1, 1]);
    const filler = [1, 1, 1, 1, 1];
    YAHTZEE_CATEGORIES.forEach((category, i) => {
      const last = i === YAHTZEE_CATEGORIES.length - 1;
      const op = category === 'Ones' ? 'add points' : 'cross out';
      expect(score(game, rng, category, last ? [] : filler, op)).toBeNull();
    });
    expect(game.state(0).ranking).toEqual({ solo: 5 });
  });

  it('rotates turns by id in a multiplayer game and ranks in id order', () => {
    const rng = new ScriptedRng([1, 2, 3, 4, 5]);
    const game = new YahtzeeGame(3, rng);
    game.move({ name: 'zed' }, 0);
    game.move({ name: 'amy' }, 1);
    rng.push(1);
    game.move({ name: 'kim' }, 2);
    expect(game.currentPlayers()).toEqual([1]);
    expect(game.state(0).current_name).toBe('amy');

    // amy uses two more rolls, then scores; the next player gets a fresh turn.
    rng.push(6, 6);
    expect(game.move({ roll_dice: [0] }, 1)).toBeNull();
    expect(game.move({ roll_dice: [1] }, 1)).toBeNull();
    expect(game.move({ roll_dice: [2] }, 1)).toBe('dice were rolled three times already');
    expect(score(game, rng, 'Chance', [2, 2, 2, 2, 2])).toBeNull();
    expect(card(game, 1).Chance).toBe(6 + 6 + 3 + 4 + 5);
    expect(card(game, 0).Chance).toBeNull();
    expect(game.currentPlayers()).toEqual([2]);
    expect(JSON.stringify(game.state(1))).toBe(`{"scorecard":${ALL_NULL.replace('"Chance":null', '"Chance":24')},"current_name":"kim","dice":[2,2,2,2,2]}`);
    rng.push(3);
    expect(game.move({ roll_dice: [0] }, 2)).toBeNull();
    expect(score(game, rng, 'Twos', [1, 1, 1, 1, 1])).toBeNull();
    expect(card(game, 2).Twos).toBe(8);
    expect(game.currentPlayers()).toEqual([0]);
    expect(game.state(2).current_name).toBe('zed');
    expect(score(game, rng, 'Yahtzee', [1, 1, 1, 1, 1])).toBeNull();
    expect(card(game, 0).Yahtzee).toBe(50);
    expect(game.currentPlayers()).toEqual([1]);

    // Everyone crosses out the rest; the game ends after the last category of all.
    let turns = 0;
    while (!game.gameOver()) {
      const player = game.currentPlayers()[0]!;
      const category = YAHTZEE_CATEGORIES.find((c) => card(game, player)[c] === null)!;
      expect(score(game, rng, category, [1, 1, 1, 1, 1], 'cross out')).toBeNull();
      turns++;
    }
    expect(turns).toBe(3 * 13 - 3);
    expect(game.currentPlayers()).toEqual([]);
    // The last mover was kim (id 2), so no roll followed; the queued dice are unused.
    expect(rng.remaining()).toBe(5);
    expect(JSON.stringify(game.state(2).ranking)).toBe('{"zed":50,"amy":24,"kim":8}');
    expect(game.state(0)).not.toHaveProperty('current_name');
    expect(game.state(0)).not.toHaveProperty('dice');
  });

  it('keeps its invariants over 200 random solo games', () => {
    const check = (ok: boolean, what: string, g: number): void => {
      if (!ok) throw new Error(`game ${g}: ${what}`);
    };
    const moves = new SeededRng('yahtzee-moves');
    const pick = <T>(items: readonly T[]): T => items[moves.int(0, items.length - 1)]!;
    const errors = new Set<string>();
    let scored = 0;
    for (let g = 0; g < 200; g++) {
      const game = new YahtzeeGame(1, new SeededRng(`yahtzee-${g}`));
      check(game.move({ name: `player ${g}` }, 0) === null, 'naming failed', g);
      let rolls = 1;
      let count = 0;
      while (!game.gameOver()) {
        check(++count < 10_000, 'game does not end', g);
        check(JSON.stringify(game.currentPlayers()) === '[0]', 'current player', g);
        const before = game.state(0);
        const beforeJson = JSON.stringify(before);
        const d = before.dice as number[];
        const sc = before.scorecard as Record<string, number | null>;
        check(d.length === 5 && d.every((x) => Number.isInteger(x) && x >= 1 && x <= 6), 'dice', g);
        check(before.current_name === `player ${g}`, 'current_name', g);
        const kind = moves.int(0, 19);
        if (kind < 7) {
          const selection = [0, 1, 2, 3, 4].filter(() => moves.int(0, 1) === 1);
          const arg = moves.int(0, 5) === 0 ? null : selection;
          const result = game.move({ roll_dice: arg }, 0);
          if (typeof result === 'string') errors.add(result);
          if (rolls >= 3) check(result === 'dice were rolled three times already', 'roll limit', g);
          else if (arg !== null && arg.length === 0) check(result === 'no selection of dice entered', 'empty roll', g);
          else {
            check(result === null, 'roll', g);
            rolls++;
          }
          if (result !== null) check(JSON.stringify(game.state(0)) === beforeJson, 'failed roll changed state', g);
        } else if (kind < 18) {
          // Sometimes the best unused category for these dice, else a random one.
          const unused = YAHTZEE_CATEGORIES.filter((c) => sc[c] === null);
          const value = (c: string): number => {
            const points = yahtzeeScore(c, d);
            return typeof points === 'number' ? points : -1;
          };
          const best = unused.reduce((a, b) => (value(b) > value(a) ? b : a), unused[0]!);
          const category = kind < 11 ? best : pick(YAHTZEE_CATEGORIES);
          const op = kind < 15 ? 'add points' : 'cross out';
          const predicted = op === 'add points' ? yahtzeeScore(category, d) : 0;
          const result = game.move({ score: op, category }, 0);
          if (typeof result === 'string') errors.add(result);
          const after = card(game);
          if (typeof predicted === 'string') {
            check(result === predicted, `${op} ${category}: ${result} != ${predicted}`, g);
          } else if (category === 'Yahtzee' && sc.Yahtzee === 50) {
            check(result === null && after.Yahtzee === 150, 'yahtzee bonus', g);
          } else if (sc[category] !== null) {
            check(result === 'category was already used', 'reuse', g);
          } else {
            check(result === null && after[category] === predicted, `${op} ${category}`, g);
            if (op === 'add points') scored++;
          }
          if (result === null) rolls = 1;
          else check(JSON.stringify(game.state(0)) === beforeJson, 'failed score changed state', g);
        } else {
          const junk = pick<{ [key: string]: Json }>([{}, { name: 'x' }, { score: 'x', category: 'Chance' }, { score: 'add points' }, { roll_dice: [9] }]);
          const result = game.move(junk, 0);
          check(typeof result === 'string', 'junk accepted', g);
          check(JSON.stringify(game.state(0)) === beforeJson, 'junk changed state', g);
        }
        const json = JSON.stringify(game.state(0));
        check(JSON.stringify(JSON.parse(json)) === json, 'state is not JSON', g);
      }
      const final = game.state(0);
      const sc = final.scorecard as Record<string, number>;
      check(Object.keys(final).join() === 'scorecard,ranking', 'final state keys', g);
      check(Object.keys(sc).join() === YAHTZEE_CATEGORIES.join(), 'category order', g);
      check(
        Object.values(sc).every((v) => typeof v === 'number' && v >= 0),
        'scorecard full',
        g,
      );
      check(JSON.stringify(final.ranking) === JSON.stringify({ [`player ${g}`]: yahtzeeTotal(sc) }), 'ranking', g);
      check(game.currentPlayers().length === 0, 'current after the end', g);
    }
    // The random play reaches every error the dice and scorecard can produce.
    expect(scored).toBeGreaterThan(200 * 5);
    expect([...errors].sort()).toEqual(
      [
        'category was already used',
        'dice were rolled three times already',
        'no selection of dice entered',
        'no four of a kind',
        'no full house',
        'no large straight',
        'no small straight',
        'no three of a kind',
        'no yahtzee',
        'there are no 1s',
        'there are no 2s',
        'there are no 3s',
        'there are no 4s',
        'there are no 5s',
        'there are no 6s',
      ].sort(),
    );
  });
});
