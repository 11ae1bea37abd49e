import { randomBytes } from 'node:crypto';
import { ClientStateError, InvalidOptionError } from '../core/errors.ts';
import type { GameState } from '../protocol/messages.ts';
import { adapterFactory, type AdapterFactory } from '../env/adapter.ts';
import '../games/builtins.ts';
import { Seat } from '../env/seat.ts';
import { clientOptionsFor, type ServerSpec } from '../env/server-ref.ts';
import type { Space } from '../env/spaces.ts';
import { findGame } from '../games/registry.ts';

/** Options of `SessionAEC`. */
export interface SessionAECOptions<Obs, Act> {
  server?: ServerSpec;
  players?: number;
  session?: string;
  timeoutMs?: number;
  adapter?: AdapterFactory<Obs, Act>;
}

/** What `last()` returns for the selected agent. */
export interface AECLast<Obs> {
  observation: Obs;
  /** Reward accumulated since this agent last acted. */
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: { actionMask: Uint8Array; playerId: number; state: GameState };
}

/**
 * A whole session as a PettingZoo AEC environment: every seat is an agent
 * (`player_<id>`), `agentIter()` yields the agent to act, `last()` tells it
 * what it sees, `step(action)` acts for it (`null` for an agent whose
 * episode is over, which removes it). All seats play through real clients.
 */
export class SessionAEC<Obs = Float32Array, Act = number> {
  readonly game: string;
  readonly possibleAgents: string[];
  agents: string[] = [];
  agentSelection = '';
  private readonly options: SessionAECOptions<Obs, Act>;
  private readonly factory: AdapterFactory<Obs, Act>;
  private readonly players: number;
  private seats: Array<Seat<Obs, Act>> = [];
  private byAgent = new Map<string, Seat<Obs, Act>>();
  private readonly rewards = new Map<string, number>();
  private readonly done = new Map<string, { terminated: boolean; truncated: boolean }>();

  constructor(game: string, options: SessionAECOptions<Obs, Act> = {}) {
    const factory = (options.adapter ?? adapterFactory(game)) as AdapterFactory<Obs, Act> | undefined;
    if (!factory) throw new InvalidOptionError(`No adapter is registered for game ${JSON.stringify(game)}`);
    this.game = game;
    this.factory = factory;
    this.options = options;
    this.players = options.players ?? findGame(game)?.players.default ?? 1;
    if (!(Number.isInteger(this.players) && this.players > 0)) {
      throw new InvalidOptionError(`Expected players to be a positive integer, got ${String(options.players)}`);
    }
    this.possibleAgents = Array.from({ length: this.players }, (_, i) => `player_${i}`);
  }

  observationSpace(agent: string): Space<Obs> {
    return this.seatOf(agent).adapter.observationSpace;
  }

  actionSpace(agent: string): Space<Act> {
    return this.seatOf(agent).adapter.actionSpace;
  }

  /** Starts the first game (joining every seat) or the next one (player 0 restarts). */
  async reset(): Promise<void> {
    if (this.seats.length === 0) {
      const connection = await clientOptionsFor(this.options.server ?? 'embedded');
      const session = this.options.session ?? `aec-${randomBytes(6).toString('hex')}`;
      this.seats = Array.from(
        { length: this.players },
        (_, i) => new Seat(this.factory(), { ...connection, session, players: this.players, name: `aec-${i}`, timeoutMs: this.options.timeoutMs }),
      );
      await Promise.all(this.seats.map((s) => s.join()));
      this.byAgent = new Map(this.seats.map((s) => [`player_${s.info.playerId}`, s]));
      await Promise.all(this.seats.map((s) => this.readFresh(s)));
    } else {
      const restarter = this.seatOf('player_0');
      await restarter.client.restart();
      await Promise.all(this.seats.map((s) => this.readFresh(s)));
    }
    for (const s of this.seats) s.adapter.resetEpisode();
    // Set-up moves (Yahtzee's names) until every seat can play.
    for (let round = 0; round < this.players + 1; round++) {
      const setups = this.seats.map((s) => [s, s.adapter.setupMove(s.state as GameState, s.info)] as const).filter(([, m]) => m);
      if (setups.length === 0) break;
      for (const [seat, move] of setups) await seat.client.move(move as never);
      await this.refreshAll();
    }
    this.agents = [...this.possibleAgents];
    for (const a of this.agents) {
      this.rewards.set(a, 0);
      this.done.set(a, { terminated: false, truncated: false });
    }
    this.select();
  }

  /** Yields the agent to act until every agent is done (or `maxIter` steps). */
  *agentIter(maxIter = 2 ** 53): Generator<string> {
    for (let i = 0; i < maxIter && this.agents.length > 0; i++) yield this.agentSelection;
  }

  last(): AECLast<Obs> {
    const agent = this.agentSelection;
    const seat = this.seatOf(agent);
    const state = seat.state as GameState;
    const d = this.done.get(agent) ?? { terminated: false, truncated: false };
    const over = d.terminated || d.truncated;
    return {
      observation: seat.adapter.observe(state, seat.info),
      reward: this.rewards.get(agent) ?? 0,
      terminated: d.terminated,
      truncated: d.truncated,
      info: {
        actionMask: over ? new Uint8Array(seat.adapter.actionMask(state, seat.info).length) : seat.adapter.actionMask(state, seat.info),
        playerId: seat.info.playerId,
        state,
      },
    };
  }

  /** Acts for the selected agent; pass null for an agent whose episode is over. */
  async step(action: Act | null): Promise<void> {
    const agent = this.agentSelection;
    if (!this.agents.includes(agent)) throw new ClientStateError('step() with no agent left: call reset()');
    const d = this.done.get(agent) as { terminated: boolean; truncated: boolean };
    if (d.terminated || d.truncated) {
      if (action !== null) throw new ClientStateError(`${agent} is done: step(null) removes it`);
      this.agents = this.agents.filter((a) => a !== agent);
      this.select();
      return;
    }
    if (action === null) throw new ClientStateError(`${agent} must act: step(null) is only for agents that are done`);
    const seat = this.seatOf(agent);
    this.rewards.set(agent, 0);
    await seat.play(action);
    const before = new Map(this.seats.map((s) => [s, s.state as GameState]));
    await this.refreshAll();
    for (const s of this.seats) {
      const name = `player_${s.info.playerId}`;
      const r = s.adapter.reward(before.get(s) ?? null, s.state as GameState, s.info);
      this.rewards.set(name, (this.rewards.get(name) ?? 0) + r);
      if ((s.state as GameState).gameover) this.done.set(name, { terminated: true, truncated: false });
    }
    this.select();
  }

  async close(): Promise<void> {
    this.agents = [];
  }

  private select(): void {
    const turn = this.seats.find((s) => this.agents.includes(`player_${s.info.playerId}`) && s.adapter.isTurn(s.state as GameState, s.info));
    if (turn && !turn.adapter.actionMask(turn.state as GameState, turn.info).includes(1)) {
      // The rules leave the seat to move no legal action (multiplayer Yahtzee after a 150 bonus):
      // the game cannot end, so every agent's episode is truncated.
      for (const a of this.agents) {
        const d = this.done.get(a);
        if (d && !d.terminated) d.truncated = true;
      }
    } else if (turn) {
      this.agentSelection = `player_${turn.info.playerId}`;
      return;
    }
    const finished = this.agents.find((a) => {
      const d = this.done.get(a);
      return d?.terminated || d?.truncated;
    });
    this.agentSelection = finished ?? this.agents[0] ?? '';
  }

  /** Reads each seat's state; every seat's state changed, so these answer at once. */
  private async refreshAll(): Promise<void> {
    await Promise.all(this.seats.map(async (s) => (s.state = await s.client.state())));
  }

  /** Reads states until one of a running game (skipping the replay of a finished one). */
  private async readFresh(seat: Seat<Obs, Act>): Promise<void> {
    for (;;) {
      const state = await seat.client.state();
      if (!state.gameover) {
        seat.state = state;
        return;
      }
    }
  }

  private seatOf(agent: string): Seat<Obs, Act> {
    const seat = this.byAgent.get(agent);
    if (!seat) throw new InvalidOptionError(`No agent ${JSON.stringify(agent)}; agents are ${this.possibleAgents.join(', ')}`);
    return seat;
  }
}
