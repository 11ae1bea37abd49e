import { randomBytes } from 'node:crypto';
import { InvalidOptionError } from '../core/errors.ts';
import { REQUEST_SIZE_MAX } from '../protocol/framing.ts';
import type { HandleContext, RequestHandler } from '../protocol/handler.ts';
import type { Json, JsonObject, Response } from '../protocol/messages.ts';
import { checkFields, jsonLength, pythonTruthy, type FieldKind } from './checks.ts';
import type { Game, GameDefinition } from './games/game.ts';
import { defaultGames, type GameRegistry } from './games/registry.ts';
import { randomSeed, SeededRng } from '../core/rng.ts';

/** Options of the embedded server's request handling (no sockets involved). */
export interface FrameworkOptions {
  /** The games sessions can be started of; default: TicTacToe, Yahtzee, Echo, Chat. */
  games?: GameRegistry;
  /** Makes first players and dice reproducible: each session draws from a generator seeded with this and its name. */
  seed?: string | number;
  /** How long a join waits for the session to fill (reference: 1000 s). */
  joinTimeoutMs?: number;
  /** A session idle for longer than this is deleted (reference: 1000 s). */
  sessionTimeoutMs?: number;
  /** How often idle sessions are looked for; default: `sessionTimeoutMs`, as the reference. */
  cleanupIntervalMs?: number;
  /** At most this many sessions at once; starting another is refused. */
  maxSessions?: number;
  /** At most this many blocked requests (joins waiting for players, long-polling states) at once. */
  maxWaiting?: number;
  /** Announced to clients as `request_size_max`; the socket layer enforces it. */
  requestSizeMax?: number;
  /**
   * A session's game state may grow to about this many bytes of JSON; a move
   * that would grow it further is refused until the game restarts. Default 16 MB.
   */
  maxSessionStateBytes?: number;
  /** Called on session start and end, and per request when `verbose` listeners want it. */
  onEvent?: (event: ServerEvent) => void;
}

/** What the server reports about its sessions. */
export type ServerEvent =
  | { type: 'session-start'; game: string; session: string; players: number }
  | {
      type: 'session-end';
      game: string;
      session: string;
      reason: 'overwritten' | 'timed-out' | 'join-timeout' | 'shutdown';
      games: number;
      moves: number;
    }
  | { type: 'request'; request: string; status: Response['status']; ms: number };

/** What `handle` resolves to when the caller gave up before an answer existed. */
export const NO_RESPONSE = null;

/** `answerNow`'s word for a request that must wait (a join, a long poll). */
const WAITS = Symbol('waits');

const DEFAULTS = {
  joinTimeoutMs: 1_000_000,
  sessionTimeoutMs: 1_000_000,
  maxSessions: 10_000,
  maxWaiting: 10_000,
  requestSizeMax: REQUEST_SIZE_MAX,
  maxSessionStateBytes: 16_000_000,
};

// The fields each request must carry, in the order the reference checks them (built once: hot path).
const JOIN_FIELDS: ReadonlyArray<readonly [string, FieldKind]> = [
  ['game', 'str'],
  ['session', 'str'],
  ['players', 'int?'],
  ['name', 'str'],
];
const MOVE_FIELDS: ReadonlyArray<readonly [string, FieldKind]> = [
  ['game', 'str'],
  ['session', 'str'],
  ['player_id', 'int'],
  ['key', 'str'],
  ['move', 'dict'],
];
const STATE_FIELDS: ReadonlyArray<readonly [string, FieldKind]> = [
  ['game', 'str'],
  ['session', 'str'],
  ['player_id', 'int'],
  ['key', 'str'],
  ['observer', 'bool'],
];
const OBSERVE_FIELDS: ReadonlyArray<readonly [string, FieldKind]> = [
  ['game', 'str'],
  ['session', 'str'],
  ['name', 'str'],
];
const RESTART_FIELDS: ReadonlyArray<readonly [string, FieldKind]> = [
  ['game', 'str'],
  ['session', 'str'],
  ['player_id', 'int'],
  ['key', 'str'],
];

const AUTO = 'auto';

type Respond = (response: Response | null) => void;

/** The number of blocked requests of a framework (its `maxWaiting` limit), shared with its waiters. */
class WaitCount {
  count = 0;
}

const ONCE = { once: true } as const;

/**
 * A blocked request (a join waiting for players, a long poll), counted while
 * it waits. `cancel` (its caller gave up) forgets it and answers
 * `NO_RESPONSE`. A class rather than closures: every long poll makes one.
 */
class Waiter {
  readonly respond: Respond;
  private done = false;
  private readonly waits: WaitCount;
  private signal: AbortSignal | undefined;
  private onAbort: (() => void) | undefined;

  constructor(waits: WaitCount, respond: Respond) {
    this.waits = waits;
    this.respond = respond;
  }

  /** Counts it, and forgets it without an answer if the caller aborts (`ctx`). */
  track(ctx: HandleContext): void {
    this.waits.count++;
    const signal = ctx.signal;
    if (signal) {
      this.signal = signal;
      this.onAbort = () => this.cancel();
      if (signal.aborted) queueMicrotask(this.onAbort);
      else signal.addEventListener('abort', this.onAbort, ONCE);
    }
    ctx.onBlock?.(() => this.cancel());
  }

  /** Stops counting it: it is answered (or given up). */
  cleanup(): void {
    if (this.done) return;
    this.done = true;
    this.waits.count--;
    if (this.onAbort) this.signal?.removeEventListener('abort', this.onAbort);
  }

  cancel(): void {
    if (this.done) return;
    this.remove();
    this.cleanup();
    this.respond(NO_RESPONSE);
  }

  /** Takes it out of where it waits. */
  protected remove(): void {}
}

class StateWaiter extends Waiter {
  readonly playerId: number;
  private readonly session: Session;
  private readonly reader: number;

  constructor(waits: WaitCount, respond: Respond, session: Session, reader: number, playerId: number) {
    super(waits, respond);
    this.session = session;
    this.reader = reader;
    this.playerId = playerId;
  }

  protected override remove(): void {
    if (this.session.stateWaiters.get(this.reader) === this) this.session.stateWaiters.delete(this.reader);
  }
}

class JoinWaiter extends Waiter {
  readonly data: JsonObject;
  private readonly leave: (waiter: JoinWaiter) => void;

  constructor(waits: WaitCount, respond: Respond, data: JsonObject, leave: (waiter: JoinWaiter) => void) {
    super(waits, respond);
    this.data = data;
    this.leave = leave;
  }

  protected override remove(): void {
    this.leave(this);
  }
}

/** Takes the resolve function of `new Promise(capture)` (read `captured` right after): no executor closure per blocked request. */
let captured: Respond = () => {};
function capture(resolve: Respond): void {
  captured = resolve;
}

function ok(data: Json): Response {
  return { status: 'ok', data };
}

function fail(message: string): Response {
  return { status: 'error', message: `framework: ${message}` };
}

function answerWaiter(this: Session, waiter: StateWaiter, reader: number): void {
  waiter.cleanup();
  waiter.respond(this.tryRead(reader, waiter.playerId));
}

/** Observers are separate readers: reader ids are player ids, and -1 - id for the observer of id. */
function readerOf(playerId: number, observer: boolean): number {
  return observer ? -1 - playerId : playerId;
}

class Session {
  readonly def: GameDefinition;
  readonly name: string;
  readonly players: number;
  readonly rng: SeededRng;
  readonly keys: string[] = [];
  readonly names: string[] = [];
  game: Game;
  /** Bumped on every change; a reader has an unseen change when its last seen version is older. */
  version = 0;
  readonly seen = new Map<number, number>();
  /** Readers that get the previous game's final state once more after a restart. */
  readonly replay = new Map<number, Game>();
  readonly stateWaiters = new Map<number, StateWaiter>();
  readonly joinWaiters: JoinWaiter[] = [];
  lastAccess = Date.now();
  joinTimer: NodeJS.Timeout | undefined;
  gamesPlayed = 1;
  moves = 0;
  /**
   * Upper estimate of the current game's state size: measured when it nears
   * the limit, then grown by the size of each accepted move, so small games
   * never pay for a measurement.
   */
  stateBytes = 0;
  /** Whether `stateBytes` is a fresh measurement (no move accepted since): spares re-measuring on every refusal. */
  stateMeasured = true;

  constructor(def: GameDefinition, name: string, players: number, seed: string) {
    this.def = def;
    this.name = name;
    this.players = players;
    this.rng = new SeededRng(`${seed}\u0000${def.name}\u0000${name}`);
    this.game = def.create(players, this.rng);
  }

  get full(): boolean {
    return this.keys.length === this.players;
  }

  keyValid(playerId: number, key: string): boolean {
    const expected = this.keys[playerId];
    if (expected === undefined || key.length !== expected.length) return false;
    // Constant time: no early exit on the first differing character.
    let diff = 0;
    for (let i = 0; i < key.length; i++) diff |= key.charCodeAt(i) ^ expected.charCodeAt(i);
    return diff === 0;
  }

  currentPlayers(game: Game): number[] {
    return game.gameOver() ? [] : [...game.currentPlayers()];
  }

  assemble(game: Game, playerId: number): JsonObject {
    const state = game.state(playerId);
    state.current = this.currentPlayers(game);
    state.gameover = game.gameOver();
    return state;
  }

  /** Answers every blocked state request after a change, each with what its reader is due. */
  changed(): void {
    this.version++;
    this.lastAccess = Date.now();
    if (this.stateWaiters.size === 0) return;
    // Answering only resolves promises (their reactions run later), so no waiter comes or goes while this
    // runs: walk the map itself rather than a copy of its entries (this runs on every move).
    this.stateWaiters.forEach(answerWaiter, this);
    this.stateWaiters.clear();
  }

  /** `read` as a response; a game whose state throws fails this reader's request only. */
  tryRead(reader: number, playerId: number): Response {
    try {
      return ok(this.read(reader, playerId));
    } catch {
      return fail('internal error');
    }
  }

  /** The state a reader is due now, marking it seen. */
  read(reader: number, playerId: number): JsonObject {
    const previous = this.replay.get(reader);
    if (previous) {
      this.replay.delete(reader);
      return this.assemble(previous, playerId);
    }
    this.seen.set(reader, this.version);
    this.lastAccess = Date.now();
    return this.assemble(this.game, playerId);
  }

  hasUnseen(reader: number): boolean {
    return this.replay.has(reader) || (this.seen.get(reader) ?? -1) < this.version;
  }

  /** Answers every blocked request with an error; the session is going away. */
  end(message: string): void {
    clearTimeout(this.joinTimer);
    const response: Response = { status: 'error', message };
    for (const waiter of this.stateWaiters.values()) {
      waiter.cleanup();
      waiter.respond(response);
    }
    this.stateWaiters.clear();
    for (const waiter of this.joinWaiters.splice(0)) {
      waiter.cleanup();
      waiter.respond(response);
    }
  }
}

/**
 * The embedded game server's request handling, wire-compatible with the
 * reference server: sessions, joins, moves, long-polled states, restarts and
 * observers. It has no sockets: `GameServer` feeds it from TCP or TLS, and
 * the in-process transport calls `handle` directly.
 */
export class GameFramework implements RequestHandler {
  readonly games: GameRegistry;
  readonly seed: string;
  readonly requestSizeMax: number;
  private readonly options: Required<Omit<FrameworkOptions, 'games' | 'seed' | 'onEvent' | 'cleanupIntervalMs'>>;
  private readonly onEvent: ((event: ServerEvent) => void) | undefined;
  private readonly sessions = new SessionTable();
  private readonly autoTokens = new Map<string, string>();
  private nextAutoToken = 0;
  private readonly waits = new WaitCount();
  private closed = false;
  private readonly cleanupTimer: NodeJS.Timeout;

  constructor(options: FrameworkOptions = {}) {
    for (const key of ['joinTimeoutMs', 'sessionTimeoutMs', 'cleanupIntervalMs', 'maxSessions', 'maxWaiting', 'requestSizeMax', 'maxSessionStateBytes'] as const) {
      const value = options[key];
      if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
        throw new InvalidOptionError(`Expected ${key} to be a positive integer, got ${String(value)}`);
      }
    }
    this.games = options.games ?? defaultGames();
    this.seed = options.seed === undefined ? randomSeed() : String(options.seed);
    this.options = {
      joinTimeoutMs: options.joinTimeoutMs ?? DEFAULTS.joinTimeoutMs,
      sessionTimeoutMs: options.sessionTimeoutMs ?? DEFAULTS.sessionTimeoutMs,
      maxSessions: options.maxSessions ?? DEFAULTS.maxSessions,
      maxWaiting: options.maxWaiting ?? DEFAULTS.maxWaiting,
      requestSizeMax: options.requestSizeMax ?? DEFAULTS.requestSizeMax,
      maxSessionStateBytes: options.maxSessionStateBytes ?? DEFAULTS.maxSessionStateBytes,
    };
    this.requestSizeMax = this.options.requestSizeMax;
    this.onEvent = options.onEvent;
    const interval = options.cleanupIntervalMs ?? this.options.sessionTimeoutMs;
    this.cleanupTimer = setInterval(() => this.cleanUp(), interval);
    this.cleanupTimer.unref();
  }

  /** Number of live sessions. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Number of requests blocked in join or state. */
  get waitingCount(): number {
    return this.waits.count;
  }

  /**
   * Answers one request (the parsed JSON the client sent). Resolves to the
   * response, or to `NO_RESPONSE` when `ctx.signal` aborted while it waited.
   */
  handle(request: unknown, ctx: HandleContext = {}): Promise<Response | null> {
    let answer: Promise<Response | null>;
    try {
      answer = this.dispatch(request, ctx);
    } catch {
      // A game that throws (or a value too deep to copy) fails this request only, never the server.
      answer = Promise.resolve(fail('internal error'));
    }
    if (!this.onEvent) return answer;
    const started = performance.now();
    const type = (request as { type?: unknown } | null)?.type;
    return answer.then((response) => {
      if (response) {
        this.emit({ type: 'request', request: typeof type === 'string' ? type : '?', status: response.status, ms: performance.now() - started });
      }
      return response;
    });
  }

  /**
   * Answers a request that needs no waiting (a move, an observe, a restart, a
   * state with a change its reader has not seen) at once, with the same
   * checks, effects and answer as `handle`; undefined, with no effect, for one
   * that waits (a join, a long poll): send that one through `handle`. The
   * in-process transport's fast path (no promise per request).
   */
  handleNow(request: unknown): Response | undefined {
    // Request events carry timings from `handle`: a server that reports them answers through it.
    if (this.onEvent) return undefined;
    let answer: Response | typeof WAITS;
    try {
      answer = this.answerNow(request);
    } catch {
      return fail('internal error');
    }
    return answer === WAITS ? undefined : answer;
  }

  private dispatch(request: unknown, ctx: HandleContext): Promise<Response | null> {
    const answer = this.answerNow(request);
    if (answer !== WAITS) return Promise.resolve(answer);
    const req = request as JsonObject;
    return req.type === 'join' ? this.join(req, ctx) : this.waitForState(req, ctx);
  }

  /** The answer of a request that needs no waiting, or WAITS (a join, or a state its reader has seen), checked but not yet started. */
  private answerNow(request: unknown): Response | typeof WAITS {
    if (request === null || typeof request !== 'object' || Array.isArray(request) || !('type' in request)) {
      return fail('no request type specified');
    }
    if (this.closed) return { status: 'error', message: 'server: shutting down' };
    const req = request as JsonObject;
    switch (req.type) {
      case 'join':
        return WAITS;
      case 'move':
        return this.move(req);
      case 'state':
        return this.state(req);
      case 'observe':
        return this.observe(req);
      case 'restart':
        return this.restart(req);
      default:
        return fail('invalid request type');
    }
  }

  /** Answers every pending request with `server: shutting down` and refuses new ones. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.cleanupTimer);
    for (const session of this.sessions.all()) {
      this.sessions.remove(session);
      this.endSession(session, 'shutdown', 'server: shutting down');
    }
  }

  /** Deletes sessions idle for longer than the session timeout; runs on a timer, callable for tests. */
  cleanUp(now = Date.now()): void {
    for (const session of this.sessions.all()) {
      if (session.full && session.lastAccess + this.options.sessionTimeoutMs < now) {
        this.sessions.remove(session);
        this.endSession(session, 'timed-out', 'framework: game session has timed out');
      }
    }
  }

  private join(req: JsonObject, ctx: HandleContext): Promise<Response | null> {
    const err = checkFields(req, JOIN_FIELDS);
    if (err) return Promise.resolve(fail(err));
    const gameName = req.game as string;
    let token: string | null = req.session as string;
    const players = req.players === null ? null : Number(req.players);
    let name = req.name as string;

    const def = this.games.get(gameName);
    if (!def) return Promise.resolve(fail('no such game'));
    if (token.startsWith(AUTO) && token.length > AUTO.length) {
      return Promise.resolve(fail("token must not start with reserved prefix 'auto'"));
    }
    if (token === AUTO) {
      token = this.autoToken(gameName, players);
      name = ''; // auto sessions have no observers, so names are not kept
    }
    const session = token === null ? undefined : this.sessions.get(gameName, token);

    if (session && !session.full) return this.joinSession(session, name, ctx);
    if (!session && !players) {
      return Promise.resolve(fail('no such game session; provide the number of players to start one'));
    }
    if (session && session.full && !players) return Promise.resolve(fail('game session already full'));
    return this.startSession(def, token as string, players as number, name, ctx);
  }

  private autoToken(gameName: string, players: number | null): string | null {
    const existing = this.autoTokens.get(gameName);
    if (existing !== undefined) return existing;
    if (!players) return null;
    const token = `${AUTO}-${this.nextAutoToken++}`;
    this.autoTokens.set(gameName, token);
    return token;
  }

  private startSession(def: GameDefinition, token: string, players: number, name: string, ctx: HandleContext): Promise<Response | null> {
    if (players > def.maxPlayers || players < def.minPlayers) return Promise.resolve(fail('invalid number of players'));
    // The starter waits unless it is the only player: refuse before replacing or creating anything, so a
    // refused join leaves no empty session behind (nor ends the session it would have overwritten).
    if (players > 1 && this.waits.count >= this.options.maxWaiting) {
      return Promise.resolve({ status: 'error', message: `server: too many waiting requests (limit ${this.options.maxWaiting})` });
    }
    const old = this.sessions.get(def.name, token);
    if (old) {
      this.sessions.remove(old);
      this.endSession(old, 'overwritten', 'framework: game session was overwritten');
    } else if (this.sessions.size >= this.options.maxSessions) {
      return Promise.resolve({ status: 'error', message: `server: too many game sessions (limit ${this.options.maxSessions})` });
    }
    const session = new Session(def, token, players, this.seed);
    this.sessions.add(session);
    session.joinTimer = setTimeout(() => this.joinTimedOut(session), this.options.joinTimeoutMs);
    session.joinTimer.unref();
    return this.joinSession(session, name, ctx);
  }

  private joinSession(session: Session, name: string, ctx: HandleContext): Promise<Response | null> {
    if (name !== '' && session.names.includes(name)) return Promise.resolve(fail('name already in use'));
    if (!session.full && this.waits.count >= this.options.maxWaiting && session.keys.length + 1 < session.players) {
      return Promise.resolve({ status: 'error', message: `server: too many waiting requests (limit ${this.options.maxWaiting})` });
    }
    const playerId = session.keys.length;
    const key = randomBytes(16).toString('base64url');
    session.keys.push(key);
    session.names.push(name);
    const data: JsonObject = {
      player_id: playerId,
      key,
      session: session.name,
      request_size_max: this.options.requestSizeMax,
    };
    if (session.full) {
      clearTimeout(session.joinTimer);
      if (this.autoTokens.get(session.def.name) === session.name) this.autoTokens.delete(session.def.name);
      session.lastAccess = Date.now();
      this.emit({ type: 'session-start', game: session.def.name, session: session.name, players: session.players });
      for (const waiter of session.joinWaiters.splice(0)) {
        waiter.cleanup();
        waiter.respond(ok(waiter.data));
      }
      return Promise.resolve(ok(data));
    }
    const promise = new Promise<Response | null>(capture);
    const waiter = new JoinWaiter(this.waits, captured, data, (left) => {
      const i = session.joinWaiters.indexOf(left);
      if (i >= 0) session.joinWaiters.splice(i, 1);
      if (!session.full) this.freeSeat(session, data.player_id as number);
    });
    waiter.track(ctx);
    session.joinWaiters.push(waiter);
    return promise;
  }

  /**
   * Gives back the seat of a joiner that left before the session filled. No
   * joiner has its answer yet, so the later ones move down a seat; a session
   * left with nobody is forgotten.
   */
  private freeSeat(session: Session, seat: number): void {
    session.keys.splice(seat, 1);
    session.names.splice(seat, 1);
    for (const waiter of session.joinWaiters) {
      const id = waiter.data.player_id as number;
      if (id > seat) waiter.data.player_id = id - 1;
    }
    if (session.keys.length > 0) return;
    clearTimeout(session.joinTimer);
    if (this.sessions.get(session.def.name, session.name) === session) this.sessions.remove(session);
    if (this.autoTokens.get(session.def.name) === session.name) this.autoTokens.delete(session.def.name);
  }

  private joinTimedOut(session: Session): void {
    if (session.full) return;
    if (this.sessions.get(session.def.name, session.name) === session) this.sessions.remove(session);
    if (this.autoTokens.get(session.def.name) === session.name) this.autoTokens.delete(session.def.name);
    this.endSession(session, 'join-timeout', 'framework: timeout while waiting for others to join');
  }

  private move(req: JsonObject): Response {
    const err = checkFields(req, MOVE_FIELDS);
    if (err) return fail(err);
    const found = this.lookup(req);
    if ('status' in found) return found;
    const session = found;
    const playerId = Number(req.player_id);
    if (session.game.gameOver()) return fail('game has ended');
    if (!session.keyValid(playerId, req.key as string)) return fail('invalid key');
    if (!session.game.currentPlayers().includes(playerId)) return fail('not your turn');
    const moveBytes = jsonLength(req.move);
    if (!this.stateRoomFor(session, moveBytes)) {
      return {
        status: 'error',
        message: `server: game state too large (limit ${this.options.maxSessionStateBytes} bytes); restart the game`,
      };
    }
    let result: Json | null | undefined;
    try {
      result = session.game.move(req.move as JsonObject, playerId);
    } catch {
      return fail('internal error');
    }
    session.stateBytes += moveBytes;
    session.stateMeasured = false;
    session.moves++;
    session.changed();
    if (!pythonTruthy(result)) return ok(null);
    return { status: 'illegalmove', message: typeof result === 'string' ? `game: ${result}` : (result as Json) };
  }

  /** A state request's answer when its reader has a change to see, else WAITS (the request is valid: `waitForState`). */
  private state(req: JsonObject): Response | typeof WAITS {
    const err = checkFields(req, STATE_FIELDS);
    if (err) return fail(err);
    const found = this.lookup(req);
    if ('status' in found) return found;
    const session = found;
    const playerId = Number(req.player_id);
    if (!session.keyValid(playerId, req.key as string)) return fail('invalid key');
    const reader = readerOf(playerId, req.observer as boolean);
    if (session.hasUnseen(reader)) return session.tryRead(reader, playerId);
    return WAITS;
  }

  /** Long-polls a valid state request whose reader has seen everything (`state` said WAITS). */
  private waitForState(req: JsonObject, ctx: HandleContext): Promise<Response | null> {
    const session = this.lookup(req) as Session;
    const playerId = Number(req.player_id);
    const reader = readerOf(playerId, req.observer as boolean);
    const previous = session.stateWaiters.get(reader);
    if (previous) {
      // Two long polls for one reader: the newer one is the one its client still waits for.
      session.stateWaiters.delete(reader);
      previous.cleanup();
      previous.respond(fail('state request superseded by a newer one for the same reader'));
    } else if (this.waits.count >= this.options.maxWaiting) {
      return Promise.resolve({ status: 'error', message: `server: too many waiting requests (limit ${this.options.maxWaiting})` });
    }
    const promise = new Promise<Response | null>(capture);
    const waiter = new StateWaiter(this.waits, captured, session, reader, playerId);
    waiter.track(ctx);
    session.stateWaiters.set(reader, waiter);
    return promise;
  }

  private observe(req: JsonObject): Response {
    const err = checkFields(req, OBSERVE_FIELDS);
    if (err) return fail(err);
    if (req.session === AUTO) return fail('observer mode not available for auto-join sessions');
    const found = this.lookup(req);
    if ('status' in found) return found;
    const session = found;
    if (!session.full) return fail('game has not yet started');
    const playerId = req.name === '' ? -1 : session.names.indexOf(req.name as string);
    const key = session.keys[playerId];
    if (!key) return fail('no such player');
    return ok({ player_id: playerId, key });
  }

  private restart(req: JsonObject): Response {
    const err = checkFields(req, RESTART_FIELDS);
    if (err) return fail(err);
    const found = this.lookup(req);
    if ('status' in found) return found;
    const session = found;
    const playerId = Number(req.player_id);
    if (!session.keyValid(playerId, req.key as string)) return fail('invalid key');
    const old = session.game;
    if (old.gameOver()) {
      // Everyone but the restarting player learns how the old game ended, observers included.
      session.replay.clear();
      for (let id = 0; id < session.players; id++) {
        if (id !== playerId) session.replay.set(readerOf(id, false), old);
        session.replay.set(readerOf(id, true), old);
      }
    }
    session.game = session.def.create(session.players, session.rng);
    session.stateBytes = 0;
    session.stateMeasured = true;
    session.gamesPlayed++;
    session.changed();
    return ok(null);
  }

  /** Whether a move of this size may be applied without the state passing the session limit. */
  private stateRoomFor(session: Session, moveBytes: number): boolean {
    const limit = this.options.maxSessionStateBytes;
    if (session.stateBytes + moveBytes <= limit) return true;
    if (!session.stateMeasured) {
      session.stateBytes = JSON.stringify(session.game.state(0)).length;
      session.stateMeasured = true;
    }
    return session.stateBytes + moveBytes <= limit;
  }

  private lookup(req: JsonObject): Session | Response {
    if (!this.games.get(req.game as string)) return fail('no such game');
    const session = this.sessions.get(req.game as string, req.session as string);
    return session ?? fail('no such game session');
  }

  private endSession(session: Session, reason: 'overwritten' | 'timed-out' | 'join-timeout' | 'shutdown', message: string): void {
    session.end(message);
    if (session.full) {
      this.emit({
        type: 'session-end',
        game: session.def.name,
        session: session.name,
        reason,
        games: session.gamesPlayed,
        moves: session.moves,
      });
    }
  }

  private emit(event: ServerEvent): void {
    this.onEvent?.(event);
  }
}

/** Sessions by game, then by name: two lookups without building a combined key on every request. */
class SessionTable {
  private readonly byGame = new Map<string, Map<string, Session>>();
  size = 0;

  get(game: string, token: string): Session | undefined {
    return this.byGame.get(game)?.get(token);
  }

  add(session: Session): void {
    let sessions = this.byGame.get(session.def.name);
    if (!sessions) {
      sessions = new Map();
      this.byGame.set(session.def.name, sessions);
    }
    if (!sessions.has(session.name)) this.size++;
    sessions.set(session.name, session);
  }

  remove(session: Session): void {
    const sessions = this.byGame.get(session.def.name);
    if (sessions?.get(session.name) === session) {
      sessions.delete(session.name);
      this.size--;
    }
  }

  *all(): Generator<Session> {
    for (const sessions of this.byGame.values()) yield* sessions.values();
  }
}
