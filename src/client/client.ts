import { AbortError, ClientStateError, GameServerError, IllegalMoveError, InvalidOptionError, TimeoutError } from '../core/errors.ts';
import {
  describe,
  parseGameState,
  parseJoinData,
  parseObserveData,
  unwrapResponse,
  type GameState,
  type Json,
  type JsonObject,
  type Request,
  type Response,
  type StateRequest,
} from '../protocol/messages.ts';
import type { RequestHandler } from '../protocol/handler.ts';
import { InProcessTransport } from './in-process.ts';
import { TcpTransport, type ClientTlsOptions } from './tcp.ts';
import { describeRequest, type Transport } from './transport.ts';

/** Options of `GameClient`; every field has a default but `game`. */
export interface GameClientOptions {
  /** The game to play, e.g. "TicTacToe". */
  game: string;
  /** Session name; "auto" (default) lets the server place the client. */
  session?: string;
  /** Number of players, to start a session (or overwrite a full named one). */
  players?: number | null;
  /** This player's name in the session (what observers follow); "" for none. */
  name?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4711. */
  port?: number;
  /** TLS: true verifies with the system store; `{ caFile }` or `{ verify: false }` otherwise. */
  tls?: ClientTlsOptions;
  /** Talk to this embedded server in process instead of over a socket. */
  server?: RequestHandler;
  /** Any transport (overrides host, port, tls and server). */
  transport?: Transport;
  /** Limit for each request, and for the whole wait of one `state()` call. Default 120 s. */
  timeoutMs?: number;
  /**
   * One long poll of `state` is abandoned after this and sent again. The
   * reference server can lose a wakeup; re-polling (and `nudge`) recovers.
   * Default 10 s.
   */
  stateTimeoutMs?: number;
  /**
   * A move the game refuses without changing its state (e.g. `{}` for the
   * reference games). When a long poll times out, the client sends it: if it
   * is this player's turn, the refused move marks every reader's state as
   * changed, so a wakeup the server lost cannot hang the game. Default: none.
   */
  nudge?: JsonObject | null;
  /** Connection attempts after the first (refused, DNS, reset before sending). Default 4. */
  retries?: number;
  /** Aborts every pending request of this client. */
  signal?: AbortSignal;
}

/** Per-call options of the blocking methods. */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** What `join` tells. */
export interface JoinInfo {
  playerId: number;
  key: string;
  session: string;
  requestSizeMax: number;
}

/** Counters of the client's recoveries, for logs and tests. */
export interface ClientStats {
  requests: number;
  statePollTimeouts: number;
  nudges: number;
  internalErrorRetries: number;
}

const INTERNAL_ERROR = 'framework: internal error';
const MAX_INTERNAL_ERROR_RETRIES = 5;

/**
 * A client of the game server protocol with the reference client's
 * abilities (join, move, state, observe, restart) as async methods, over TCP,
 * TLS or in process.
 */
export class GameClient {
  readonly game: string;
  readonly transport: Transport;
  readonly stats: ClientStats = { requests: 0, statePollTimeouts: 0, nudges: 0, internalErrorRetries: 0 };
  private sessionName: string;
  private readonly players: number | null;
  private readonly name: string;
  private readonly timeoutMs: number;
  private readonly stateTimeoutMs: number;
  private readonly nudgeMove: JsonObject | null;
  private readonly signal: AbortSignal | undefined;
  private id: number | undefined;
  private secret: string | undefined;
  private observer = false;
  private stateRequest: StateRequest | undefined;

  constructor(options: GameClientOptions) {
    if (!options || typeof options.game !== 'string' || options.game === '') {
      throw new InvalidOptionError(`Expected game to be a non-empty string, got ${JSON.stringify(options?.game)}`);
    }
    this.game = options.game;
    this.sessionName = options.session ?? 'auto';
    if (typeof this.sessionName !== 'string' || this.sessionName === '') {
      throw new InvalidOptionError(`Expected session to be a non-empty string, got ${JSON.stringify(options.session)}`);
    }
    this.players = options.players ?? null;
    if (this.players !== null && !(Number.isInteger(this.players) && this.players > 0)) {
      throw new InvalidOptionError(`Expected players to be a positive integer or null, got ${String(options.players)}`);
    }
    this.name = options.name ?? '';
    this.timeoutMs = checkDuration('timeoutMs', options.timeoutMs, 120_000);
    this.stateTimeoutMs = checkDuration('stateTimeoutMs', options.stateTimeoutMs, 10_000);
    this.nudgeMove = options.nudge ?? null;
    if (this.nudgeMove !== null && (typeof this.nudgeMove !== 'object' || Array.isArray(this.nudgeMove))) {
      // The server would refuse it as a malformed request every time, and the nudge would never help.
      throw new InvalidOptionError(`Expected nudge to be a move object (e.g. {}) or null, got ${describe(options.nudge)}`);
    }
    this.signal = options.signal;
    this.transport =
      options.transport ??
      (options.server ? new InProcessTransport(options.server) : new TcpTransport({ host: options.host, port: options.port, tls: options.tls, retries: options.retries }));
  }

  /** This client's player id (after `join` or `observe`). */
  get playerId(): number {
    if (this.id === undefined) throw new ClientStateError('Not joined yet: call join() or observe() first');
    return this.id;
  }

  /** The session name to use (the server's `auto-N` name after an auto join). */
  get session(): string {
    return this.sessionName;
  }

  /** True after `observe()`: the client follows another player and may not move. */
  get isObserver(): boolean {
    return this.observer;
  }

  /** True once `join()` or `observe()` succeeded. */
  get joined(): boolean {
    return this.id !== undefined;
  }

  /** Joins (or starts) the session; resolves when it is full. */
  async join(options: CallOptions = {}): Promise<JoinInfo> {
    const data = parseJoinData(await this.send({ type: 'join', game: this.game, session: this.sessionName, players: this.players, name: this.name }, options));
    this.id = data.player_id;
    this.stateRequest = undefined;
    this.secret = data.key;
    this.sessionName = data.session;
    this.observer = false;
    return { playerId: data.player_id, key: data.key, session: data.session, requestSizeMax: data.request_size_max };
  }

  /** Becomes an observer of the player called `name` (the option) in a full named session. */
  async observe(options: CallOptions = {}): Promise<{ playerId: number; key: string }> {
    const data = parseObserveData(await this.send({ type: 'observe', game: this.game, session: this.sessionName, name: this.name }, options));
    this.id = data.player_id;
    this.stateRequest = undefined;
    this.secret = data.key;
    this.observer = true;
    return { playerId: data.player_id, key: data.key };
  }

  /** Submits a move; throws `IllegalMoveError` when the game refuses it. */
  move(move: JsonObject, options: CallOptions = {}): Promise<void> {
    // Not async, and one `then` for the answer: the hot path of every game loop (three promises fewer a move).
    const refused = this.refusal('move');
    if (refused) return Promise.reject(refused);
    const request: Request = { type: 'move', game: this.game, session: this.sessionName, player_id: this.id as number, key: this.secret as string, move };
    return this.exchange(request, options.signal, options.timeoutMs ?? this.timeoutMs, unwrapNothing);
  }

  /** Restarts the session's game (exactly one player of a session should). */
  async restart(options: CallOptions = {}): Promise<void> {
    const { player_id, key } = this.credentials('restart');
    await this.send({ type: 'restart', game: this.game, session: this.sessionName, player_id, key }, options);
  }

  /**
   * The state, long-polled: returns at once when it changed since this reader
   * last read it, else when it next changes. Re-polls every `stateTimeoutMs`
   * and gives up with `TimeoutError` after `timeoutMs` in all.
   */
  state(options: CallOptions = {}): Promise<GameState> {
    if (this.id === undefined || this.secret === undefined) {
      return Promise.reject(new ClientStateError('Not joined yet: call join() or observe() before state()'));
    }
    const request = this.stateRequestOf(this.id, this.secret);
    const total = options.timeoutMs ?? this.timeoutMs;
    const deadline = Date.now() + total;
    if (!(total > 0)) return this.pollAgain(null, request, options, total, deadline);
    // The first poll answers almost every call: it runs without an async frame of its own; re-polls live in pollAgain.
    return this.exchange(request, options.signal, Math.min(this.stateTimeoutMs, total), unwrapResponse).then(parseGameState, (error: unknown) =>
      this.pollAgain(error, request, options, total, deadline),
    );
  }

  /**
   * `state()` without waiting, where the transport answers at once (in
   * process): the state when this reader has a change to see, else undefined
   * (then call `state()`, which waits). Throws what `state()` would reject with.
   */
  stateNow(signal?: AbortSignal): GameState | undefined {
    const transport = this.transport;
    if (!transport.requestNow || this.id === undefined || this.secret === undefined || this.signal?.aborted || signal?.aborted) return undefined;
    const response = transport.requestNow(this.stateRequestOf(this.id, this.secret));
    if (!response) return undefined;
    this.stats.requests++;
    // The reference's internal error on a read: state() polls again, as it does for its own polls.
    if (response.status === 'error' && response.message === INTERNAL_ERROR) return undefined;
    return parseGameState(unwrapResponse(response));
  }

  /**
   * `move()` at once where the transport answers at once (in process): true
   * when the move was made, false when it must go through `move()` (nothing
   * was sent). Throws what `move()` would reject with (`IllegalMoveError`...).
   */
  moveNow(move: JsonObject, signal?: AbortSignal): boolean {
    const transport = this.transport;
    if (!transport.requestNow || this.refusal('move') || this.signal?.aborted || signal?.aborted) return false;
    const request: Request = { type: 'move', game: this.game, session: this.sessionName, player_id: this.id as number, key: this.secret as string, move };
    const response = transport.requestNow(request);
    if (!response) return false;
    this.stats.requests++;
    unwrapResponse(response);
    return true;
  }

  /** The state request of this reader, built once per join: state is the hot path of every game loop. */
  private stateRequestOf(playerId: number, key: string): StateRequest {
    return (this.stateRequest ??= { type: 'state', game: this.game, session: this.sessionName, player_id: playerId, key, observer: this.observer });
  }

  /** After a failed poll (`error`; null for none yet): nudge and poll again until the deadline, or throw what cannot be retried. */
  private async pollAgain(error: unknown, request: StateRequest, options: CallOptions, total: number, deadline: number): Promise<GameState> {
    let internalErrors = 0;
    for (;;) {
      if (error instanceof TimeoutError) {
        this.stats.statePollTimeouts++;
        // The nudge counts against the same deadline: `timeoutMs` bounds the whole call.
        const left = deadline - Date.now();
        if (left > 0) await this.nudge({ ...options, timeoutMs: Math.min(left, this.stateTimeoutMs) });
      } else if (error instanceof GameServerError && error.serverMessage === INTERNAL_ERROR && internalErrors < MAX_INTERNAL_ERROR_RETRIES) {
        // The reference fails one of two overlapping long polls of a reader (an abandoned one, say).
        internalErrors++;
        this.stats.internalErrorRetries++;
      } else if (error !== null) {
        throw error;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new TimeoutError(`Timed out after ${total} ms waiting for ${describeRequest(request)}: nobody moved`);
      }
      try {
        return parseGameState(await this.exchange(request, options.signal, Math.min(this.stateTimeoutMs, remaining), unwrapResponse));
      } catch (caught) {
        error = caught;
      }
    }
  }

  private async nudge(options: CallOptions): Promise<void> {
    if (!this.nudgeMove || this.observer) return;
    this.stats.nudges++;
    try {
      await this.move(this.nudgeMove, options);
    } catch (error) {
      // Refused by the game: it was our turn and every reader now sees a change. "not your turn" or
      // "game has ended": the wakeup will come from another player. No answer in time: poll again,
      // and let the state's own deadline decide.
      if (error instanceof IllegalMoveError || error instanceof GameServerError || error instanceof TimeoutError) return;
      throw error;
    }
  }

  private credentials(what: string): { player_id: number; key: string } {
    const refused = this.refusal(what);
    if (refused) throw refused;
    return { player_id: this.id as number, key: this.secret as string };
  }

  /** Why this client may not `what` (move, restart) now, or undefined when it may. */
  private refusal(what: string): ClientStateError | undefined {
    if (this.id === undefined || this.secret === undefined) return new ClientStateError(`Not joined yet: call join() before ${what}()`);
    if (this.observer) return new ClientStateError(`An observer cannot ${what}`);
    return undefined;
  }

  /** Sends any request and returns the data of an ok answer, or throws the error it stands for. */
  send(request: Request, options: CallOptions = {}): Promise<Json> {
    return this.exchange(request, options.signal, options.timeoutMs ?? this.timeoutMs, unwrapResponse);
  }

  // Not async: one promise less per request (the hot path of every game loop). `unwrap` turns the answer into the result.
  private exchange<T>(request: Request, callSignal: AbortSignal | undefined, timeoutMs: number, unwrap: (response: Response) => T): Promise<T> {
    const signal = combineSignals(this.signal, callSignal);
    if (signal?.aborted) return Promise.reject(new AbortError(`Aborted before sending ${describeRequest(request)}`, { cause: signal.reason }));
    this.stats.requests++;
    try {
      return this.transport.request(request, { timeoutMs, signal }).then(unwrap);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/** A move's answer: nothing, or the error it stands for. */
function unwrapNothing(response: Response): void {
  unwrapResponse(response);
}

function checkDuration(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new InvalidOptionError(`Expected ${name} to be a positive number of milliseconds (or Infinity), got ${String(value)}`);
  }
  return value;
}

function combineSignals(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a) return b;
  if (!b) return a;
  return AbortSignal.any([a, b]);
}
