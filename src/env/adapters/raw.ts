import type { GameState, JsonObject } from '../../protocol/messages.ts';
import type { Adapter, AdapterFactory, EpisodeOutcome, SeatInfo } from '../adapter.ts';
import { JsonSpace } from '../spaces.ts';

/** Optional pieces of a raw adapter; the defaults give reward 0 and print the state as JSON. */
export interface RawAdapterOptions {
  /** Reward on going from `previous` to `state`. */
  reward?: (previous: GameState | null, state: GameState, seat: SeatInfo) => number;
  outcome?: (state: GameState, seat: SeatInfo) => EpisodeOutcome;
  /** A move the game refuses without changing state; `{}` suits the reference games. */
  nudge?: JsonObject | null;
  /** A move to send before playing (e.g. a name), given the state. */
  setupMove?: (state: GameState, seat: SeatInfo) => JsonObject | null;
}

/**
 * Any server game, untranslated: the observation is the state object the
 * server sends, an action is the move's keyword arguments.
 */
export function rawAdapter(game: string, options: RawAdapterOptions = {}): AdapterFactory<GameState, JsonObject> {
  return () => new RawAdapter(game, options);
}

class RawAdapter implements Adapter<GameState, JsonObject> {
  readonly game: string;
  readonly observationSpace = new JsonSpace<GameState>();
  readonly actionSpace = new JsonSpace<JsonObject>();
  readonly nudge: JsonObject | null;
  private readonly options: RawAdapterOptions;

  constructor(game: string, options: RawAdapterOptions) {
    this.game = game;
    this.options = options;
    this.nudge = options.nudge === undefined ? {} : options.nudge;
  }

  resetEpisode(): void {}

  setupMove(state: GameState, seat: SeatInfo): JsonObject | null {
    return this.options.setupMove?.(state, seat) ?? null;
  }

  isTurn(state: GameState, seat: SeatInfo): boolean {
    return !state.gameover && state.current.includes(seat.playerId);
  }

  observe(state: GameState): GameState {
    return state;
  }

  actionMask(): Uint8Array {
    return new Uint8Array(0);
  }

  toMove(action: JsonObject): JsonObject {
    return action;
  }

  accepted(): void {}

  reward(previous: GameState | null, state: GameState, seat: SeatInfo): number {
    return this.options.reward?.(previous, state, seat) ?? 0;
  }

  outcome(state: GameState, seat: SeatInfo): EpisodeOutcome {
    return this.options.outcome?.(state, seat) ?? { score: 0 };
  }

  render(state: GameState): string {
    return JSON.stringify(state);
  }
}
