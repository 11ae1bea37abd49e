import { GameGymError, IllegalMoveError, InvalidOptionError } from '../core/errors.ts';
import { SeededRng } from '../core/rng.ts';
import type { AdapterFactory } from './adapter.ts';
import { botNames, isBot, makeBot } from '../games/registry.ts';
import { randomLegal } from './bots.ts';
import type { Policy } from './policy.ts';
import { Seat, type SeatOptions } from './seat.ts';

/**
 * Who plays a seat that is not the env's own: a bot of the game by name
 * (`'random'`, or one its spec lists, with `name:option` for options), any policy, a
 * weighted mix drawn anew each game (e.g. 80% latest policy, 20% random), or
 * `'external'` to leave the seat to another env or to a client in any
 * language that joins the named session.
 */
export type OpponentSpec = string | Policy<any> | { mix: Array<{ policy: Exclude<OpponentSpec, 'external' | { mix: unknown }>; weight: number }> };

/** Resolves a bot of a game (`name` or `name:option`) to a policy. */
export function botPolicy(game: string, name: string, seed: number | string): Policy<any> {
  return makeBot(game, name, seed);
}

/** Checks an opponent spec and turns it into a per-game policy chooser (null for 'external'). */
export function opponentChooser(spec: OpponentSpec, seed: string, game: string): ((rng: SeededRng) => Policy<any>) | null {
  if (spec === 'external') return null;
  if (typeof spec === 'string') {
    if (!isBot(game, spec)) {
      throw new InvalidOptionError(`Expected an opponent of ${[...botNames(game), 'external'].join(', ')}, a policy or { mix }, got ${JSON.stringify(spec)}`);
    }
    const policy = botPolicy(game, spec, seed);
    return () => policy;
  }
  if ('mix' in spec) {
    const entries = spec.mix.map((m, i) => {
      if (!(m.weight >= 0)) throw new InvalidOptionError(`Expected mix weight ${i} to be a non-negative number, got ${m.weight}`);
      const choose = opponentChooser(m.policy, `${seed}-${i}`, game);
      if (!choose) throw new InvalidOptionError('An opponent mix cannot contain "external"');
      return { choose, weight: m.weight };
    });
    const total = entries.reduce((a, e) => a + e.weight, 0);
    if (!(total > 0)) throw new InvalidOptionError('Expected the opponent mix weights to sum to more than 0');
    return (rng) => {
      let r = rng.next() * total;
      for (const e of entries) {
        r -= e.weight;
        if (r < 0) return e.choose(rng);
      }
      return (entries[entries.length - 1] as (typeof entries)[number]).choose(rng);
    };
  }
  if (typeof spec.act !== 'function') throw new InvalidOptionError('Expected an opponent policy to have an act(observations, masks) method');
  return () => spec;
}

/**
 * A bot in another seat of an env's session, in the same process: its own
 * client, adapter and loop. It never restarts games (the env's seat does) and
 * stops when the env closes or the session is lost.
 */
export class OpponentSeat {
  readonly seat: Seat<any, number>;
  /** The error that ended the loop, if it was not a normal stop. */
  error: GameGymError | undefined;
  /** Called when the game leaves this seat no legal move on its turn (it cannot go on). */
  onStuck: (() => void) | undefined;
  /** Moves this seat made that the server accepted. */
  moves = 0;
  private choose: (rng: SeededRng) => Policy<any>;
  private rng: SeededRng;
  private reseeded = false;
  private readonly stop = new AbortController();
  private running: Promise<void> | undefined;

  constructor(adapterFactory: AdapterFactory<any, number>, choose: (rng: SeededRng) => Policy<any>, options: SeatOptions, seed: string) {
    this.seat = new Seat(adapterFactory(), options);
    this.choose = choose;
    this.rng = new SeededRng(`opponent-${seed}`);
  }

  /** Starts the seat's random streams anew (the env's `reset({ seed })`): its next move draws its policy and actions from them. */
  reseed(choose: (rng: SeededRng) => Policy<any>, seed: string): void {
    this.choose = choose;
    this.rng = new SeededRng(`opponent-${seed}`);
    this.reseeded = true;
  }

  /** Joins and plays in the background until `close`. */
  start(): void {
    this.running ??= this.loop().catch((error: unknown) => {
      if (this.stop.signal.aborted) return;
      if (error instanceof GameGymError) this.error = error;
      else throw error;
    });
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const signal = this.stop.signal;
    await this.seat.join(signal);
    let policy = this.choose(this.rng);
    let failures = 0;
    for (;;) {
      const state = await this.seat.waitTurn(signal);
      if (state.gameover) {
        this.seat.endGame();
        policy = this.choose(this.rng);
        continue;
      }
      if (this.reseeded) {
        this.reseeded = false;
        policy = this.choose(this.rng);
      }
      const mask = this.seat.mask();
      if (!mask.includes(1)) {
        // The rules leave this seat no move although it is its turn: the game cannot go on.
        this.onStuck?.();
        this.seat.endGame();
        continue;
      }
      const chosen = policy.act([this.seat.observation()], [mask]);
      // Bots answer at once: awaiting a plain array would still cost a turn of the microtask queue per move.
      let [action] = Array.isArray(chosen) ? chosen : await chosen;
      // A policy that breaks the rules (or a stale mask) must not stall the env's game.
      if (failures > 0 || action === undefined || !mask[action]) action = randomLegal(mask, this.rng);
      try {
        await this.seat.play(action, signal);
        this.moves++;
        failures = 0;
      } catch (error) {
        if (!(error instanceof IllegalMoveError) || ++failures > 20) throw error;
      }
    }
  }
}
