import { describe, it, expect } from 'vitest';
import type { GameDefinition } from './game.ts';
import { GameRegistry, defaultGames } from './registry.ts';
import * as games from './index.ts';

const dummy = (name: string, minPlayers = 1, maxPlayers = 2): GameDefinition => ({
  name,
  minPlayers,
  maxPlayers,
  create: () => {
    throw new Error('not used');
  },
});

describe('GameRegistry', () => {
  it('registers and looks up by exact name, listing in registration order', () => {
    const registry = new GameRegistry();
    const b = dummy('B');
    registry.register(b);
    registry.register(dummy('A'));
    expect(registry.get('B')).toBe(b);
    expect(registry.get('b')).toBeUndefined();
    expect(registry.get('C')).toBeUndefined();
    expect(registry.names()).toEqual(['B', 'A']);
  });

  it('rejects a duplicate name with a TypeError naming it', () => {
    const registry = new GameRegistry();
    registry.register(dummy('Dup'));
    expect(() => registry.register(dummy('Dup', 1, 5))).toThrow(TypeError);
    expect(() => registry.register(dummy('Dup'))).toThrow("game 'Dup' is already registered");
    expect(registry.names()).toEqual(['Dup']);
  });

  it('validates definitions', () => {
    const registry = new GameRegistry();
    const bad: [GameDefinition, string][] = [
      [dummy(''), 'name must be a non-empty string'],
      [{ ...dummy('x'), name: 3 } as unknown as GameDefinition, 'name must be a non-empty string'],
      [dummy('x', 0, 2), '1 <= minPlayers <= maxPlayers'],
      [dummy('x', 3, 2), '1 <= minPlayers <= maxPlayers'],
      [dummy('x', -1, -1), '1 <= minPlayers <= maxPlayers'],
      [dummy('x', 1.5, 2), 'must be integers'],
      [dummy('x', 1, Number.NaN), 'must be integers'],
      [dummy('x', 1, Infinity), 'must be integers'],
      [{ ...dummy('x'), minPlayers: '1' } as unknown as GameDefinition, 'must be integers'],
      [{ ...dummy('x'), create: undefined } as unknown as GameDefinition, 'create must be a function'],
    ];
    for (const [def, message] of bad) {
      expect(() => registry.register(def)).toThrow(TypeError);
      expect(() => registry.register(def)).toThrow(message);
    }
    expect(registry.names()).toEqual([]);
    registry.register(dummy('single', 1, 1));
    expect(registry.names()).toEqual(['single']);
  });

  it('defaultGames() holds the four reference games', () => {
    const registry = defaultGames();
    expect(registry.names()).toEqual(['TicTacToe', 'Yahtzee', 'Echo', 'Chat']);
    expect(registry.get('TicTacToe')).toBe(games.TicTacToe);
    expect(registry.get('Yahtzee')).toBe(games.Yahtzee);
    expect(registry.get('Echo')).toBe(games.Echo);
    expect(registry.get('Chat')).toBe(games.Chat);
    const limits = registry.names().map((n) => {
      const def = registry.get(n)!;
      return [def.name, def.minPlayers, def.maxPlayers];
    });
    expect(limits).toEqual([
      ['TicTacToe', 2, 2],
      ['Yahtzee', 1, 8],
      ['Echo', 1, 1],
      ['Chat', 1, 100],
    ]);
    // Each call gives an independent registry.
    registry.register(dummy('Extra'));
    expect(defaultGames().get('Extra')).toBeUndefined();
  });

  it('the index re-exports the games, helpers and registry', () => {
    for (const name of [
      'Chat',
      'ChatGame',
      'Echo',
      'EchoGame',
      'TicTacToe',
      'TicTacToeGame',
      'Yahtzee',
      'YahtzeeGame',
      'YAHTZEE_CATEGORIES',
      'yahtzeeScore',
      'yahtzeeTotal',
      'GameRegistry',
      'defaultGames',
      'pyStrip',
    ]) {
      expect(games, name).toHaveProperty(name);
    }
  });

  it('the built-in definitions are frozen', () => {
    expect(Object.isFrozen(games.Yahtzee)).toBe(true);
  });
});
