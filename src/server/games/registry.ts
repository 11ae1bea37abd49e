import type { GameDefinition } from './game.ts';
import { Chat } from './chat.ts';
import { Echo } from './echo.ts';
import { TicTacToe } from './tictactoe.ts';
import { Yahtzee } from './yahtzee.ts';

/** The game types a server offers, by their case-sensitive name. */
export class GameRegistry {
  private readonly definitions = new Map<string, GameDefinition>();

  /**
   * Adds a game type. Throws a TypeError when the definition is malformed (empty
   * name, player limits that are not integers with 1 <= minPlayers <= maxPlayers,
   * no create function) or when a game of that name is already registered.
   */
  register(def: GameDefinition): void {
    if (typeof def.name !== 'string' || def.name === '') {
      throw new TypeError('game definition: name must be a non-empty string');
    }
    const { name, minPlayers, maxPlayers } = def;
    if (!Number.isInteger(minPlayers) || !Number.isInteger(maxPlayers)) {
      throw new TypeError(`game definition '${name}': minPlayers and maxPlayers must be integers`);
    }
    if (minPlayers < 1 || minPlayers > maxPlayers) {
      throw new TypeError(`game definition '${name}': players must satisfy 1 <= minPlayers <= maxPlayers (got ${minPlayers}..${maxPlayers})`);
    }
    if (typeof def.create !== 'function') {
      throw new TypeError(`game definition '${name}': create must be a function`);
    }
    if (this.definitions.has(name)) {
      throw new TypeError(`game '${name}' is already registered`);
    }
    this.definitions.set(name, def);
  }

  /** The game type registered under exactly this name, if any. */
  get(name: string): GameDefinition | undefined {
    return this.definitions.get(name);
  }

  /** The registered names, in registration order. */
  names(): string[] {
    return [...this.definitions.keys()];
  }
}

/** A registry holding the four reference games: TicTacToe, Yahtzee, Echo and Chat. */
export function defaultGames(): GameRegistry {
  const registry = new GameRegistry();
  for (const def of [TicTacToe, Yahtzee, Echo, Chat]) registry.register(def);
  return registry;
}
