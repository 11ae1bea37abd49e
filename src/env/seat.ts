import { GameClient, type GameClientOptions } from '../client/client.ts';
import { ClientStateError, IllegalMoveError } from '../core/errors.ts';
import type { GameState, JsonObject } from '../protocol/messages.ts';
import type { Adapter, SeatInfo } from './adapter.ts';

/** Options of a `Seat`: the client's, minus what the seat decides itself. */
export type SeatOptions = Omit<GameClientOptions, 'game' | 'nudge'> & { players: number; name: string };

/**
 * One player's place in a session, seen through an adapter: joins, submits
 * set-up moves, and reads states until the player must act or the game is
 * over, skipping the replays of a finished game around restarts (PROTOCOL.md:
 * wait for `gameover: false` before the next episode).
 */
export class Seat<Obs = unknown, Act = unknown> {
  readonly client: GameClient;
  readonly adapter: Adapter<Obs, Act>;
  readonly info: SeatInfo;
  /** The latest state read. */
  state: GameState | null = null;
  /** True from a reported end of game until a new game shows up. */
  private awaitingNewGame = false;

  constructor(adapter: Adapter<Obs, Act>, options: SeatOptions) {
    this.adapter = adapter;
    this.client = new GameClient({ ...options, game: adapter.game, nudge: adapter.nudge });
    this.info = { playerId: -1, players: options.players, name: options.name };
  }

  async join(signal?: AbortSignal): Promise<void> {
    const joined = await this.client.join({ signal });
    this.info.playerId = joined.playerId;
    this.awaitingNewGame = false;
    this.state = null;
    this.adapter.resetEpisode();
  }

  /** The current game is over for this seat (seen, or abandoned): the next states of it are skipped. */
  endGame(): void {
    this.awaitingNewGame = true;
  }

  /** Reads states until it is this seat's turn or the game is over; returns that state. */
  async waitTurn(signal?: AbortSignal): Promise<GameState> {
    for (;;) {
      // In process, a state with news is read without a promise; one that must wait goes through state().
      const state = this.client.stateNow(signal) ?? (await this.client.state({ signal }));
      if (this.awaitingNewGame) {
        if (state.gameover) continue;
        this.awaitingNewGame = false;
        this.adapter.resetEpisode();
      }
      this.state = state;
      const setup = this.adapter.setupMove(state, this.info);
      if (setup) {
        await this.client.move(setup, { signal });
        continue;
      }
      if (state.gameover || this.adapter.isTurn(state, this.info)) return state;
    }
  }

  /** Submits the move for `action`; throws `IllegalMoveError` when the server refuses it. */
  async play(action: Act, signal?: AbortSignal): Promise<void> {
    const state = this.state;
    if (!state) throw new ClientStateError('Seat.play before any state was read');
    const move: JsonObject = this.adapter.toMove(action, state, this.info);
    try {
      if (!this.client.moveNow(move, signal)) await this.client.move(move, { signal });
    } catch (error) {
      if (error instanceof IllegalMoveError) this.adapter.refused?.(action, error);
      throw error;
    }
    this.adapter.accepted(action, state, this.info);
  }

  observation(): Obs {
    return this.adapter.observe(this.current(), this.info);
  }

  mask(): Uint8Array {
    return this.adapter.actionMask(this.current(), this.info);
  }

  private current(): GameState {
    if (!this.state) throw new ClientStateError('No state read yet: join and read a state before asking for an observation or a mask');
    return this.state;
  }
}
