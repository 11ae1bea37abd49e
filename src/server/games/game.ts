/**
 * The contract between the embedded server and a game's rules. Rules are pure:
 * no I/O, no timers, randomness only from the injected `Rng`.
 */

import type { Rng } from '../../core/rng.ts';
import type { Json } from '../../protocol/messages.ts';

export type { Json, Rng };

/** One running game. The framework adds `current` and `gameover` to `state()`. */
export interface Game {
  /** Ids of the players who may move now (the framework reports [] once the game is over). */
  currentPlayers(): number[];
  /**
   * Apply a move of `playerId` (already checked to be current). Returns null when legal,
   * else the error value the server sends as an illegal move: a string (sent as
   * `"game: " + text`) or any other JSON value (sent unchanged). An illegal move may
   * still change the state. Throwing is answered as `framework: internal error`.
   */
  move(move: { [key: string]: Json }, playerId: number): Json | null | undefined;
  gameOver(): boolean;
  /** The state for one player, as fresh objects the caller may keep or mutate. */
  state(playerId: number): { [key: string]: Json };
}

/** A game type that the server can start sessions of. */
export interface GameDefinition {
  /** The name clients pass as `game` (case-sensitive, e.g. "TicTacToe"). */
  readonly name: string;
  readonly minPlayers: number;
  readonly maxPlayers: number;
  create(players: number, rng: Rng): Game;
}
