import { randomBytes } from 'node:crypto';
import { deriveSeed } from '../core/seeds.ts';
import { recordingTransportFor } from '../client/recording.ts';
import type { ClientTlsOptions } from '../client/tcp.ts';
import {
  AbortError,
  ClientStateError,
  ConnectionRefusedError,
  ConnectionResetError,
  GameGymError,
  GameServerError,
  IllegalMoveError,
  InvalidOptionError,
  ProtocolError,
  SessionLostError,
  TimeoutError,
} from '../core/errors.ts';
import type { GameState } from '../protocol/messages.ts';
import { SeededRng } from '../core/rng.ts';
import { adapterFactory, type Adapter, type AdapterFactory, type EpisodeOutcome } from './adapter.ts';
import { randomLegal } from './bots.ts';
import '../games/builtins.ts';
import { findGame, getGame } from '../games/registry.ts';
import { OpponentSeat, opponentChooser, type OpponentSpec } from './opponents.ts';
import { clientOptionsFor, type ServerSpec } from './server-ref.ts';
import { Seat } from './seat.ts';
import type { Space } from './spaces.ts';
import { IllegalActionPolicy, RecordEpisodeStatistics, TimeLimit, Wrapper, type IllegalActionMode } from './wrappers.ts';

/** The game's rules leave a seat no legal move on its turn, so the game cannot end (multiplayer Yahtzee after a 150 bonus). */
export class GameStuckError extends GameGymError {
  constructor(message: string) {
    super('E_GAME_STUCK', message);
  }
}

/** Options of `makeEnv`; every field has a default. */
export interface EnvOptions<Obs = unknown, Act = unknown> {
  /** Where the session lives (default `'embedded'`: in process, no sockets). */
  server?: ServerSpec;
  /** TLS for a `host:port` server. */
  tls?: ClientTlsOptions;
  /** Session name; default a fresh unique one. Name one to share it with other envs or external clients. */
  session?: string;
  /** This seat's player name in the session (what observers follow; Yahtzee shows it). Default `env-<random>`. */
  name?: string;
  /** Seats in the session; default the game's usual (its spec's `players.default`). */
  players?: number;
  /** Who plays the other seats: one spec for all, or one per seat. Default `'random'`. */
  opponents?: OpponentSpec | OpponentSpec[];
  /** Whether this seat restarts finished games (exactly one seat of a session must). Default true. */
  leader?: boolean;
  /** Truncate an episode after this many steps of this seat (leader seats only; the `TimeLimit` wrapper). Default none. */
  maxEpisodeSteps?: number;
  /** `'raise'` (default) throws the server's `IllegalMoveError`; `'penalize'` ends the episode with reward -1; `'resample'` plays a random legal action instead. */
  illegalAction?: IllegalActionMode;
  /** Seeds the env's random choices (resampling, opponents, playing out a non-leader's abandoned game). */
  seed?: number;
  /** Limit of each request and of each wait for the opponents (default 120 s). */
  timeoutMs?: number;
  /** One long poll is re-sent after this (default 10 s). */
  stateTimeoutMs?: number;
  /** Record the protocol traffic of this env's sessions (all seats, opponents included) to this JSON Lines file. */
  record?: string;
  /** Use this adapter factory instead of the registered one. */
  adapter?: AdapterFactory<Obs, Act>;
}

/** Episode statistics, in `info.episode` of the step that ends an episode (`RecordEpisodeStatistics`). */
export interface EpisodeStats {
  return: number;
  length: number;
  /** The game's result; 'illegal' when an illegal action ended it ('penalize'), 'truncated' when cut short; 'terminated' from an env that tells no outcome. */
  outcome: EpisodeOutcome | 'illegal' | 'truncated' | 'terminated';
}

/** The `info` of `reset` and `step`. */
export interface StepInfo {
  /** 1 for every legal action now (all 0 once the episode is over). */
  actionMask: Uint8Array;
  playerId: number;
  currentPlayers: number[];
  /** The raw server state. */
  state: GameState | null;
  /** Actions the server refused this episode (from `IllegalActionPolicy`, which `makeEnv` always adds). */
  illegalMoves?: number;
  /** Actions replaced by a random legal one this episode (`illegalAction: 'resample'`). */
  resampled?: number;
  /** How the episode ended, on the step that ends it, as the layer that ended it tells. */
  outcome?: EpisodeStats['outcome'];
  /** At the end of an episode (`RecordEpisodeStatistics`, which `makeEnv` always adds). */
  episode?: EpisodeStats;
  /** Why the episode was truncated when the session was lost. */
  error?: { code: string; message: string };
}

/** What `step` returns. */
export interface StepResult<Obs> {
  observation: Obs;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

/** The small env contract (Gymnasium's): reset, step, render, close, spaces. */
export interface Env<Obs = unknown, Act = unknown> {
  readonly observationSpace: Space<Obs>;
  readonly actionSpace: Space<Act>;
  reset(options?: { seed?: number; options?: Record<string, unknown> }): Promise<{ observation: Obs; info: StepInfo }>;
  step(action: Act): Promise<StepResult<Obs>>;
  render(): string;
  close(): Promise<void>;
  /** The action mask of the current state, for envs that can tell it between steps. */
  actionMask?(): Uint8Array;
}

/** The options `GameEnv` itself reads: the session's; the rest belong to the wrappers `makeEnv` adds. */
export type GameEnvOptions<Obs = unknown, Act = unknown> = Omit<EnvOptions<Obs, Act>, 'maxEpisodeSteps' | 'illegalAction'>;

/**
 * One seat of a game session as a reinforcement-learning environment, the
 * session mechanics only: the first `reset` joins (with the opponents), later
 * ones restart the game (the leader) or wait for the next one; `step`
 * submits the move and returns when it is this seat's turn again or the game
 * is over; a lost session truncates the episode and the next `reset` joins
 * a new one. An action the server refuses throws its `IllegalMoveError` (the
 * episode goes on). `makeEnv` adds the wrappers for time limits, episode
 * statistics and illegal actions.
 */
export class GameEnv<Obs = unknown, Act = unknown> implements Env<Obs, Act> {
  readonly game: string;
  readonly adapter: Adapter<Obs, Act>;
  readonly observationSpace: Space<Obs>;
  readonly actionSpace: Space<Act>;
  readonly players: number;
  readonly leader: boolean;
  private readonly options: GameEnvOptions<Obs, Act>;
  private readonly factory: AdapterFactory<Obs, Act>;
  private readonly opponentSpecs: OpponentSpec[];
  private rng: SeededRng;
  private sessionName: string;
  private seat: Seat<Obs, Act> | undefined;
  private opponents: OpponentSeat[] = [];
  /** The index in `opponentSpecs` of each bot in `opponents`. */
  private opponentSpecIndex: number[] = [];
  /** Seeds the bots: the env's seed, or the last `reset({ seed })`. */
  private opponentSeed: number;
  private needsReset = true;
  /** Set when a bot finds the game stuck; aborts the env's wait for its turn. */
  private stuck = false;
  /**
   * Aborts the wait for this seat's turn (close, or a bot found the game stuck). One controller
   * serves every wait until it fires: a new AbortSignal per step was a tenth of a step's time.
   */
  private waitAbort = new AbortController();
  /** The action mask of the state the last wait returned (computed once per step), and that state. */
  private lastMask: Uint8Array | undefined;
  private lastMaskState: GameState | undefined;
  /** Aborted by close(): ends whatever the env still waits for. */
  private readonly lifetime = new AbortController();
  private lost = false;
  private closed = false;

  constructor(game: string, options: GameEnvOptions<Obs, Act> = {}) {
    const factory = (options.adapter ?? adapterFactory(game)) as AdapterFactory<Obs, Act> | undefined;
    if (!factory)
      throw new InvalidOptionError(`No adapter is registered for game ${JSON.stringify(game)}; pass options.adapter, call registerAdapter, or register a game spec (a --plugin)`);
    this.factory = factory;
    this.adapter = factory();
    if (this.adapter.game !== game) throw new InvalidOptionError(`The adapter is for ${this.adapter.game}, not ${game}`);
    this.game = game;
    this.options = options;
    this.observationSpace = this.adapter.observationSpace;
    this.actionSpace = this.adapter.actionSpace;
    this.players = options.players ?? findGame(game)?.players.default ?? 1;
    if (!(Number.isInteger(this.players) && this.players > 0)) {
      throw new InvalidOptionError(`Expected players to be a positive integer, got ${String(options.players)}`);
    }
    this.leader = options.leader ?? true;
    const specs = options.opponents ?? 'random';
    this.opponentSpecs = Array.isArray(specs) ? specs : new Array<OpponentSpec>(this.players - 1).fill(specs);
    if (this.opponentSpecs.length !== this.players - 1) {
      throw new InvalidOptionError(`Expected ${this.players - 1} opponents for ${this.players} players, got ${this.opponentSpecs.length}`);
    }
    // Checked now, not at the first reset (which would leave a seat that never joined behind).
    for (const spec of this.opponentSpecs) opponentChooser(spec, 'check', game);
    this.rng = new SeededRng(`env-${options.seed ?? 0}`);
    this.opponentSeed = options.seed ?? 0;
    this.sessionName = options.session ?? `gym-${randomBytes(6).toString('hex')}`;
  }

  /** The session's name (share it with external clients or other envs). */
  get session(): string {
    return this.sessionName;
  }

  /** This seat's player id (-1 before the first reset). */
  get playerId(): number {
    return this.seat?.info.playerId ?? -1;
  }

  /** The bots in the other seats (empty for 'external' seats). */
  get opponentSeats(): readonly OpponentSeat[] {
    return this.opponents;
  }

  async reset(options: { seed?: number; options?: Record<string, unknown> } = {}): Promise<{ observation: Obs; info: StepInfo }> {
    if (this.closed) throw new ClientStateError('This env is closed');
    if (options.seed !== undefined) {
      this.rng = new SeededRng(`env-${options.seed}`);
      // The bots in the other seats too: the same reset seed gives the same games.
      this.opponentSeed = options.seed;
      this.opponents.forEach((bot, k) => {
        const { seed, choose } = this.opponentSeeding(this.opponentSpecIndex[k] as number);
        if (choose) bot.reseed(choose, seed);
      });
    }
    if (this.seat && !this.lost) {
      try {
        if (this.leader) {
          this.seat.endGame();
          await this.seat.client.restart();
        } else {
          // Only the leader restarts: a seat whose episode ended mid-game plays the game out at random.
          if (this.seat.state && !this.seat.state.gameover) await this.playOut(this.seat);
          this.seat.endGame();
        }
      } catch (caught) {
        // The session went away between episodes (the server restarted, say): join a new one.
        if (!isSessionLoss(asSessionLoss(caught))) throw caught;
        this.lost = true;
      }
    }
    if (!this.seat || this.lost) await this.joinSession();
    const seat = this.seat as Seat<Obs, Act>;
    this.stuck = false;
    this.needsReset = false;
    const state = await this.waitTurn(seat);
    return { observation: seat.observation(), info: this.info(state) };
  }

  /** The seed and policy chooser of the bot in the other seat `i`. */
  private opponentSeeding(i: number): { seed: string; choose: ReturnType<typeof opponentChooser> } {
    const seed = `${this.opponentSeed}-${i}`;
    return { seed, choose: opponentChooser(this.opponentSpecs[i] as OpponentSpec, seed, this.game) };
  }

  async step(action: Act): Promise<StepResult<Obs>> {
    if (this.closed) throw new ClientStateError('This env is closed');
    const seat = this.seat;
    if (!seat || this.needsReset) throw new ClientStateError('Call reset() before step(): the episode is over or has not started');
    const previous = seat.state as GameState;
    try {
      // A refused action throws IllegalMoveError from here; the episode goes on.
      await seat.play(action);
      const state = await this.waitTurn(seat);
      const reward = this.adapter.reward(previous, state, seat.info);
      if (state.gameover) return this.finish(state, reward, true, false);
      return { observation: seat.observation(), reward, terminated: false, truncated: false, info: this.info(state) };
    } catch (caught) {
      const error = asSessionLoss(caught);
      if (!isSessionLoss(error) && !(error instanceof GameStuckError)) throw error;
      // The server went away, the session was overwritten or timed out, or the game cannot go on:
      // end the episode, not the run.
      if (!(error instanceof GameStuckError)) this.lost = true;
      const result = this.finish(seat.state ?? previous, 0, false, true);
      result.info.error = { code: error.code, message: error.message };
      return result;
    }
  }

  private finish(state: GameState, reward: number, terminated: boolean, truncated: boolean): StepResult<Obs> {
    const seat = this.seat as Seat<Obs, Act>;
    this.needsReset = true;
    const info = this.info(state);
    info.actionMask = new Uint8Array(info.actionMask.length);
    info.outcome = state.gameover ? this.adapter.outcome(state, seat.info) : 'truncated';
    return { observation: this.adapter.observe(state, seat.info), reward, terminated, truncated, info };
  }

  /** The action mask of the current state (all 0 before the first reset, once the episode is over, or off turn). */
  actionMask(): Uint8Array {
    const state = this.seat?.state;
    if (!state || state.gameover || this.needsReset) return new Uint8Array(this.maskSize());
    return (this.seat as Seat<Obs, Act>).mask();
  }

  /** Waits for this seat's turn; a game that leaves it no legal move, or that a bot found stuck, throws GameStuckError. */
  private async waitTurn(seat: Seat<Obs, Act>): Promise<GameState> {
    if (this.stuck || this.closed) this.waitAbort.abort();
    else if (this.waitAbort.signal.aborted) this.waitAbort = new AbortController();
    this.lastMaskState = undefined;
    let state: GameState;
    try {
      state = await seat.waitTurn(this.waitAbort.signal);
    } catch (error) {
      if (this.stuck && error instanceof AbortError) {
        throw new GameStuckError(`${this.game}: another seat has no legal move on its turn, so the game cannot end`);
      }
      throw error;
    }
    if (state.gameover) return state;
    const mask = this.adapter.actionMask(state, seat.info);
    // An empty mask (a raw adapter's JSON actions) says nothing about legal moves.
    if (mask.length > 0 && !mask.includes(1)) {
      throw new GameStuckError(`${this.game}: this seat has no legal move on its turn, so the game cannot end`);
    }
    this.lastMask = mask;
    this.lastMaskState = state;
    return state;
  }

  private async playOut(seat: Seat<Obs, Act>): Promise<void> {
    for (;;) {
      const state = await seat.waitTurn();
      if (state.gameover) return;
      try {
        await seat.play(randomLegal(seat.mask(), this.rng) as Act);
      } catch (error) {
        if (!(error instanceof IllegalMoveError)) throw error;
      }
    }
  }

  render(): string {
    const seat = this.seat;
    if (!seat?.state) return '(no game yet: call reset())';
    return this.adapter.render(seat.state, seat.info);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.lifetime.abort();
    this.waitAbort.abort();
    await Promise.all(this.opponents.map((o) => o.close()));
    this.opponents = [];
  }

  private async joinSession(): Promise<void> {
    await Promise.all(this.opponents.map((o) => o.close()));
    const connection = await clientOptionsFor(this.options.server ?? 'embedded', this.options.tls);
    if (this.lost) this.sessionName = this.options.session ?? `gym-${randomBytes(6).toString('hex')}`;
    this.lost = false;
    const common = {
      ...connection,
      ...(this.options.record ? { transport: recordingTransportFor(this.options.record, connection) } : {}),
      session: this.sessionName,
      players: this.players,
      timeoutMs: this.options.timeoutMs,
      stateTimeoutMs: this.options.stateTimeoutMs,
    };
    const name = this.options.name ?? `env-${randomBytes(4).toString('hex')}`;
    this.seat = new Seat(this.adapter, { ...common, name });
    this.opponents = [];
    this.opponentSpecIndex = [];
    this.opponentSpecs.forEach((_, i) => {
      const { seed, choose } = this.opponentSeeding(i);
      if (choose) {
        this.opponentSpecIndex.push(i);
        const bot = new OpponentSeat(this.factory as AdapterFactory<any, number>, choose, { ...common, name: `bot-${i + 1}-${name}` }, seed);
        bot.onStuck = () => {
          this.stuck = true;
          this.waitAbort.abort();
        };
        this.opponents.push(bot);
      }
    });
    const joined = this.seat.join(this.lifetime.signal);
    for (const o of this.opponents) o.start();
    try {
      await joined;
    } catch (error) {
      // Not joined (the server is down, say): the next reset joins again rather than restart a game it has not got.
      this.lost = true;
      throw error;
    }
  }

  private info(state: GameState): StepInfo {
    const seat = this.seat as Seat<Obs, Act>;
    return {
      actionMask: state.gameover ? new Uint8Array(this.maskSize()) : state === this.lastMaskState ? (this.lastMask as Uint8Array) : this.adapter.actionMask(state, seat.info),
      playerId: seat.info.playerId,
      currentPlayers: state.current,
      state,
    };
  }

  private maskSize(): number {
    const shape = this.actionSpace.shape;
    return (this.actionSpace as unknown as { n?: number }).n ?? shape.reduce((a, b) => a * b, 1);
  }
}

/** A key the server took before and now refuses means the session was replaced by a new one of the same name. */
function asSessionLoss(error: unknown): unknown {
  if (error instanceof GameServerError && !(error instanceof SessionLostError) && error.serverMessage === 'framework: invalid key') {
    const lost = new SessionLostError(error.serverMessage);
    lost.message += ' (the session was replaced by a new one of the same name: overwritten)';
    return lost;
  }
  return error;
}

function isSessionLoss(error: unknown): error is GameGymError {
  return (
    error instanceof SessionLostError ||
    error instanceof ConnectionRefusedError ||
    error instanceof ConnectionResetError ||
    error instanceof TimeoutError ||
    error instanceof ProtocolError
  );
}

/**
 * What `makeEnv` returns: a `GameEnv` under the wrappers its options ask for
 * (`IllegalActionPolicy`, `TimeLimit` for a leader with `maxEpisodeSteps`,
 * `RecordEpisodeStatistics` outermost), with the session's facts read
 * through from the `GameEnv` (`unwrapped`).
 */
export class WrappedGameEnv<Obs = Float32Array, Act = number> extends Wrapper<Obs, Act> {
  private readonly base: GameEnv<Obs, Act>;

  constructor(env: Env<Obs, Act>, base: GameEnv<Obs, Act>) {
    super(env);
    this.base = base;
  }

  override get unwrapped(): GameEnv<Obs, Act> {
    return this.base;
  }

  get game(): string {
    return this.base.game;
  }

  get adapter(): Adapter<Obs, Act> {
    return this.base.adapter;
  }

  get players(): number {
    return this.base.players;
  }

  get leader(): boolean {
    return this.base.leader;
  }

  /** The session's name (share it with external clients or other envs). */
  get session(): string {
    return this.base.session;
  }

  /** This seat's player id (-1 before the first reset). */
  get playerId(): number {
    return this.base.playerId;
  }

  /** The bots in the other seats (empty for 'external' seats). */
  get opponentSeats(): readonly OpponentSeat[] {
    return this.base.opponentSeats;
  }
}

/** Makes an env for one seat of a server game (see `EnvOptions`): a `GameEnv` with the default wrappers. */
export function makeEnv<Obs = Float32Array, Act = number>(game: string, options: EnvOptions<Obs, Act> = {}): WrappedGameEnv<Obs, Act> {
  const max = options.maxEpisodeSteps;
  if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
    throw new InvalidOptionError(`Expected maxEpisodeSteps to be a positive integer, got ${String(max)}`);
  }
  const base = new GameEnv<Obs, Act>(game, options);
  let env: Env<Obs, Act> = new IllegalActionPolicy(base, options.illegalAction ?? 'raise', { seed: options.seed });
  // Only the leader ends episodes early: the others' games go on until the leader restarts them.
  if (max !== undefined && base.leader) env = new TimeLimit(env, max);
  return new WrappedGameEnv(new RecordEpisodeStatistics(env), base);
}

/** Gymnasium's `make`: an env for one seat of the registered game with this id (`'TicTacToe-v0'`) or name. */
export function make<Obs = Float32Array, Act = number>(id: string, options: EnvOptions<Obs, Act> = {}): WrappedGameEnv<Obs, Act> {
  return makeEnv<Obs, Act>(getGame(id).name, options);
}

/**
 * Envs for every seat of one session (self-play: several learning seats in
 * one game). The first is the leader and restarts games. Reset them
 * concurrently (or through `AsyncVectorEnv`): each join waits for the others.
 */
export function makeSelfPlayEnvs<Obs = Float32Array, Act = number>(
  game: string,
  options: Omit<EnvOptions<Obs, Act>, 'opponents' | 'leader' | 'name'> = {},
): Array<WrappedGameEnv<Obs, Act>> {
  const players = options.players ?? findGame(game)?.players.default ?? 2;
  const session = options.session ?? `selfplay-${randomBytes(6).toString('hex')}`;
  return Array.from({ length: players }, (_, i) =>
    makeEnv<Obs, Act>(game, {
      ...options,
      players,
      session,
      name: `seat-${i}`,
      leader: i === 0,
      opponents: new Array<OpponentSpec>(players - 1).fill('external'),
      seed: deriveSeed(options.seed ?? 0, 'seat', i),
    }),
  );
}
