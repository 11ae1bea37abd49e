import type { IllegalMoveError } from '../core/errors.ts';
import type { GameState, JsonObject } from '../protocol/messages.ts';
import type { Space } from './spaces.ts';

/** Which seat an adapter serves. */
export interface SeatInfo {
  playerId: number;
  players: number;
  /** The name the seat submits where a game asks for one (Yahtzee). */
  name: string;
}

/** How an episode ended for a seat: a result for zero-sum games, a score for score games. */
export type EpisodeOutcome = 'win' | 'draw' | 'loss' | { score: number };

/**
 * Maps one server game to reinforcement learning for one seat: observations,
 * actions, masks, rewards. An adapter instance belongs to one seat and may keep
 * per-episode memory (Yahtzee counts the rolls of the turn, which the state
 * does not show). Adapters translate; the rules stay in the server's games.
 */
export interface Adapter<Obs = Float32Array, Act = number> {
  /** The server game's name, e.g. "TicTacToe". */
  readonly game: string;
  readonly observationSpace: Space<Obs>;
  readonly actionSpace: Space<Act>;
  /** A move the game refuses without changing its state, for the client's lost-wakeup recovery; null if none. */
  readonly nudge: JsonObject | null;
  /** A new game begins for this seat: forget per-episode memory. */
  resetEpisode(): void;
  /** A move to send before the seat can play (Yahtzee's name), or null when there is none. */
  setupMove(state: GameState, seat: SeatInfo): JsonObject | null;
  /** Whether the seat must choose an action in this state (not over, its turn, set-up done). */
  isTurn(state: GameState, seat: SeatInfo): boolean;
  observe(state: GameState, seat: SeatInfo): Obs;
  /** 1 for every action the server would accept now, 0 for the others. */
  actionMask(state: GameState, seat: SeatInfo): Uint8Array;
  toMove(action: Act, state: GameState, seat: SeatInfo): JsonObject;
  /** The server accepted the move made of `action`. */
  accepted(action: Act, state: GameState, seat: SeatInfo): void;
  /** The server refused the move made of `action` (the adapter may learn from the message). */
  refused?(action: Act, error: IllegalMoveError): void;
  /** Reward for the seat on going from `previous` (null at the episode's start) to `state`. */
  reward(previous: GameState | null, state: GameState, seat: SeatInfo): number;
  /** The outcome once `state.gameover` is true. */
  outcome(state: GameState, seat: SeatInfo): EpisodeOutcome;
  /** A text picture of the state for a terminal. */
  render(state: GameState, seat: SeatInfo): string;
  /** The game's symmetries in this adapter's observation and action encoding, identity included; none if absent. */
  symmetries?(): Symmetry[];
}

/**
 * A symmetry of a game (a rotation or reflection of a board): the
 * transformed observation is `obs[observation[i]]` at index i, action `a`
 * becomes `action[a]`, and values and rewards stay the same. Learners use
 * them to augment their data (the identity is one of them).
 */
export interface Symmetry {
  observation: number[];
  action: number[];
}

/** Makes a fresh adapter for one seat (adapters keep per-seat memory). */
export type AdapterFactory<Obs = unknown, Act = unknown> = () => Adapter<Obs, Act>;

const registry = new Map<string, AdapterFactory>();

/**
 * Registers the adapter used by `makeEnv(game)` for a server game, custom
 * games included. Registering a name again replaces the adapter.
 */
export function registerAdapter<Obs, Act>(game: string, factory: AdapterFactory<Obs, Act>): void {
  registry.set(game, factory as AdapterFactory);
}

/** The registered adapter factory of a game, or undefined. */
export function adapterFactory(game: string): AdapterFactory | undefined {
  return registry.get(game);
}

/** Names of the games with a registered adapter. */
export function adapterNames(): string[] {
  return [...registry.keys()];
}
