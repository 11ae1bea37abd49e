import { InvalidOptionError } from '../../core/errors.ts';
import type { GameState, JsonObject } from '../../protocol/messages.ts';
import type { Adapter, AdapterFactory, EpisodeOutcome, SeatInfo, Symmetry } from '../adapter.ts';
import { Box, Discrete } from '../spaces.ts';

/**
 * A game's adapter as plain functions: a flat numeric observation, a
 * `Discrete(actions)` action space and the mask, the move an action sends,
 * and (optionally) the reward. The rest has defaults fit for turn-based
 * games whose states carry the reference games' `current`, `gameover` and
 * `winner` fields.
 */
export interface SimpleAdapterSpec {
  /** The server game's name. */
  game: string;
  /** Length of the observation vector. */
  observationSize: number;
  /** Bounds of every observation value; default 0 and 1. */
  observationBounds?: [number, number];
  /** Number of actions: `Discrete(actions)`. */
  actions: number;
  /** The observation of the state for the seat (from its own view). */
  observe(state: GameState, seat: SeatInfo): Float32Array | number[];
  /** 1 for every action the server would accept now. Called only on the seat's turn. */
  mask(state: GameState, seat: SeatInfo): Uint8Array | number[];
  /** The move (the server's keyword arguments) an action stands for. */
  move(action: number, state: GameState, seat: SeatInfo): JsonObject;
  /** Reward on going from `previous` to `state`; default +1 / 0 / -1 by `outcome` when the game ends, 0 before. */
  reward?(previous: GameState | null, state: GameState, seat: SeatInfo): number;
  /** How the game ended for the seat; default `winner` null: draw, the seat's id: win, else loss. */
  outcome?(state: GameState, seat: SeatInfo): EpisodeOutcome;
  /** Whether the seat moves now; default: not over and the seat is in `current`. */
  isTurn?(state: GameState, seat: SeatInfo): boolean;
  /** A text picture of the state; default its JSON. */
  render?(state: GameState, seat: SeatInfo): string;
  /** A move the game refuses without changing its state (lost-wakeup recovery); default `{}`. */
  nudge?: JsonObject | null;
  /** The game's symmetries in this encoding (see `Symmetry`). */
  symmetries?: Symmetry[];
}

/** Makes the adapter factory of a `SimpleAdapterSpec` (checked now, not at the first reset). */
export function simpleAdapter(spec: SimpleAdapterSpec): AdapterFactory<Float32Array, number> {
  if (!spec || typeof spec.game !== 'string' || spec.game === '')
    throw new InvalidOptionError(`Expected simpleAdapter's game to be a non-empty string, got ${JSON.stringify(spec?.game)}`);
  for (const key of ['observationSize', 'actions'] as const) {
    if (!(Number.isInteger(spec[key]) && spec[key] > 0))
      throw new InvalidOptionError(`Expected simpleAdapter ${spec.game}'s ${key} to be a positive integer, got ${JSON.stringify(spec[key])}`);
  }
  for (const key of ['observe', 'mask', 'move'] as const) {
    if (typeof spec[key] !== 'function') throw new InvalidOptionError(`Expected simpleAdapter ${spec.game}'s ${key} to be a function`);
  }
  return () => new SimpleAdapter(spec);
}

class SimpleAdapter implements Adapter<Float32Array, number> {
  readonly game: string;
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  readonly nudge: JsonObject | null;
  private readonly spec: SimpleAdapterSpec;

  constructor(spec: SimpleAdapterSpec) {
    this.spec = spec;
    this.game = spec.game;
    const [low, high] = spec.observationBounds ?? [0, 1];
    this.observationSpace = new Box(low, high, [spec.observationSize]);
    this.actionSpace = new Discrete(spec.actions);
    this.nudge = spec.nudge === undefined ? {} : spec.nudge;
  }

  resetEpisode(): void {}

  setupMove(): JsonObject | null {
    return null;
  }

  isTurn(state: GameState, seat: SeatInfo): boolean {
    return this.spec.isTurn ? this.spec.isTurn(state, seat) : !state.gameover && state.current.includes(seat.playerId);
  }

  observe(state: GameState, seat: SeatInfo): Float32Array {
    const obs = this.spec.observe(state, seat);
    return obs instanceof Float32Array ? obs : Float32Array.from(obs);
  }

  actionMask(state: GameState, seat: SeatInfo): Uint8Array {
    if (!this.isTurn(state, seat)) return new Uint8Array(this.spec.actions);
    const mask = this.spec.mask(state, seat);
    return mask instanceof Uint8Array ? mask : Uint8Array.from(mask);
  }

  toMove(action: number, state: GameState, seat: SeatInfo): JsonObject {
    return this.spec.move(action, state, seat);
  }

  accepted(): void {}

  reward(previous: GameState | null, state: GameState, seat: SeatInfo): number {
    if (this.spec.reward) return this.spec.reward(previous, state, seat);
    if (!state.gameover) return 0;
    const o = this.outcome(state, seat);
    return o === 'win' ? 1 : o === 'loss' ? -1 : 0;
  }

  outcome(state: GameState, seat: SeatInfo): EpisodeOutcome {
    if (this.spec.outcome) return this.spec.outcome(state, seat);
    const winner = state.winner;
    if (winner === null || winner === undefined) return 'draw';
    return winner === seat.playerId ? 'win' : 'loss';
  }

  render(state: GameState, seat: SeatInfo): string {
    return this.spec.render ? this.spec.render(state, seat) : JSON.stringify(state);
  }

  symmetries(): Symmetry[] {
    return this.spec.symmetries ?? [];
  }
}
