import { describe, expect, it } from 'vitest';
import { make, makeEnv } from '../env/env.ts';
import { simpleAdapter } from '../env/adapters/simple.ts';
import { InvalidOptionError } from '../core/errors.ts';
import { GameFramework } from '../server/framework.ts';
import { TicTacToe } from '../server/games/tictactoe.ts';
import { DEFAULT_GAME } from './builtins.ts';
import { GameSpecError, UnknownGameError, botNames, embeddedGames, getGame, isBot, listGames, makeBot, register, registerBot, type GameSpec } from './registry.ts';

// A one-cell game: the single seat moves once and wins. Rules and adapter in a few lines.
const oneMove: GameSpec = {
  name: 'OneMove',
  rules: {
    name: 'OneMove',
    minPlayers: 1,
    maxPlayers: 1,
    create: () => {
      let over = false;
      return { currentPlayers: () => [0], move: (m) => ((over = m.cell === 0), over ? null : 'bad cell'), gameOver: () => over, state: () => ({ winner: over ? 0 : null }) };
    },
  },
  players: { default: 1, min: 1, max: 1 },
  adapter: simpleAdapter({ game: 'OneMove', observationSize: 1, actions: 2, observe: () => [1], mask: () => [1, 0], move: (a) => ({ cell: a }) }),
  bots: { first: () => ({ name: 'first', act: (o) => o.map(() => 0) }) },
  results: 'outcome',
};

describe('the game registry', () => {
  it('holds the built-ins with their facts, by name and versioned id', () => {
    expect(
      listGames()
        .slice(0, 4)
        .map((g) => [g.name, g.ids, g.players.default, Object.keys(g.bots), g.results, g.source]),
    ).toEqual([
      ['TicTacToe', ['TicTacToe-v0'], 2, ['random', 'minimax'], 'outcome', 'built-in'],
      ['Yahtzee', ['Yahtzee-v0'], 1, ['random', 'greedy'], 'score', 'built-in'],
      ['Echo', ['Echo-v0'], 1, ['random'], 'score', 'built-in'],
      ['Chat', ['Chat-v0'], 1, ['random'], 'score', 'built-in'],
    ]);
    expect(getGame('TicTacToe-v0')).toBe(getGame('TicTacToe'));
    expect(DEFAULT_GAME).toBe('TicTacToe');
    expect(() => getGame('Chess-v0')).toThrow(UnknownGameError);
    expect(isBot('TicTacToe', 'minimax')).toBe(true);
    expect(isBot('Yahtzee', 'minimax')).toBe(false);
    expect(botNames('NotRegistered')).toEqual(['random']);
    expect(() => makeBot('Yahtzee', 'minimax', 1)).toThrow(new InvalidOptionError('Yahtzee has no bot "minimax"; its bots: random, greedy'));
  });

  it('make(id) plays a registered game, register() adds one that the embedded servers then host', async () => {
    register(oneMove);
    expect(embeddedGames().names()).toContain('OneMove');
    expect(new GameFramework({ games: embeddedGames() }).games.get('OneMove')).toBeDefined();
    const env = make('OneMove-v0', { seed: 1 });
    expect(env.players).toBe(1);
    const { info } = await env.reset();
    expect([...info.actionMask]).toEqual([1, 0]);
    const r = await env.step(0);
    expect(r).toMatchObject({ reward: 1, terminated: true, info: { episode: { outcome: 'win' } } });
    await env.close();
    expect(makeEnv('OneMove', { opponents: [] }).players).toBe(1);
    registerBot('OneMove', 'second', () => ({ name: 'second', act: (o) => o.map(() => 1) }));
    expect(botNames('OneMove')).toEqual(['random', 'first', 'second']);
    expect(() => registerBot('OneMove', 'first', () => ({ name: 'x', act: () => [] }))).toThrow(/the name is taken/);
  });

  it('refuses bad specs and clashing names or ids with what is wrong', () => {
    const base = { ...oneMove, name: 'Other', rules: undefined };
    const bad: Array<[unknown, string]> = [
      [{ ...base, name: '' }, 'expected name to be a non-empty string without spaces'],
      [{ ...base, ids: ['other'] }, 'expected ids to be strings like "Other-v0", got ["other"]'],
      [{ ...base, players: { default: 0, min: 1, max: 2 } }, 'expected players to be { default, min, max } with 1 <= min <= default <= max, got {"default":0,"min":1,"max":2}'],
      [{ ...base, adapter: 3 }, 'expected adapter to be a function that makes an adapter'],
      [{ ...base, rules: TicTacToe }, 'expected rules to be a game definition named "Other" with a create function'],
      [{ ...base, results: 'points' }, 'expected results to be "outcome" or "score", got "points"'],
      [{ ...base, evalOpponents: ['minimax'] }, 'evalOpponents names "minimax", which is not one of its bots (random, first)'],
      [{ ...base, ids: ['TicTacToe-v0'] }, 'its name or an id clashes with TicTacToe (ids TicTacToe-v0), registered by built-in'],
      [{ ...base, name: 'Yahtzee' }, 'its name or an id clashes with Yahtzee (ids Yahtzee-v0), registered by built-in'],
    ];
    for (const [spec, message] of bad) {
      let caught: unknown;
      try {
        register(spec as GameSpec);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(GameSpecError);
      expect((caught as GameSpecError).code).toBe('E_GAME_SPEC');
      expect((caught as Error).message).toContain(message);
    }
    expect(listGames().map((g) => g.name)).not.toContain('Other');
  });

  it('simpleAdapter checks its functions and sizes at once', () => {
    expect(() => simpleAdapter({ game: 'X', observationSize: 0, actions: 2, observe: () => [], mask: () => [], move: () => ({}) })).toThrow(
      new InvalidOptionError("Expected simpleAdapter X's observationSize to be a positive integer, got 0"),
    );
    expect(() => simpleAdapter({ game: 'X', observationSize: 1, actions: 2, observe: () => [], mask: 3 as never, move: () => ({}) })).toThrow(
      new InvalidOptionError("Expected simpleAdapter X's mask to be a function"),
    );
  });
});
