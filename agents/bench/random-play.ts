import { setMaxListeners } from 'node:events';
import { GameClient, type GameClientOptions } from '../../src/client/client.ts';
import { AbortError } from '../../src/core/errors.ts';
import type { GameState } from '../../src/protocol/messages.ts';
import { SeededRng } from '../../src/core/rng.ts';

/** Tallies of random TicTacToe play across sessions. */
export interface PlayTally {
  games: number;
  moves: number;
  /** Wins of player 0 and of player 1. */
  wins: [number, number];
  draws: number;
  /** Requests all clients sent (joins, states, moves, restarts). */
  requests: number;
  /** Round-trip time of every move request, in milliseconds. */
  moveLatenciesMs: number[];
}

/** Options of `playRandomTicTacToe`. */
export interface RandomPlayOptions {
  /** How each of the two clients of a session reaches the server (minus game, session, players, name). */
  client: Omit<GameClientOptions, 'game' | 'session' | 'players' | 'name'>;
  /** Sessions played side by side. */
  sessions: number;
  /** Stop after this many games in all (checked when a game ends). */
  games?: number;
  /** Stop after this long. */
  durationMs?: number;
  seed?: number;
  /** Session names are `${prefix}-${i}`. */
  prefix?: string;
  /** Called with the state after each finished game of session 0 (to show a demo game). */
  onGameOver?: (state: GameState) => void;
  /** Keep every move latency (costs memory on long runs). Default true. */
  recordLatency?: boolean;
}

/**
 * Plays random-vs-random TicTacToe in many sessions at once through real
 * clients: the first seat of each session restarts finished games, the
 * second waits for the new game as the protocol prescribes.
 */
export async function playRandomTicTacToe(options: RandomPlayOptions): Promise<PlayTally> {
  const tally: PlayTally = { games: 0, moves: 0, wins: [0, 0], draws: 0, requests: 0, moveLatenciesMs: [] };
  const stop = new AbortController();
  // Every client's pending request listens to this one signal.
  setMaxListeners(0, stop.signal);
  const deadline = options.durationMs === undefined ? Infinity : Date.now() + options.durationMs;
  const maxGames = options.games ?? Infinity;
  const prefix = options.prefix ?? `random-${Date.now().toString(36)}`;
  const record = options.recordLatency ?? true;
  const timer = Number.isFinite(deadline) ? setTimeout(() => stop.abort(), deadline - Date.now()) : undefined;

  const done = (): boolean => stop.signal.aborted || tally.games >= maxGames || Date.now() >= deadline;

  async function seat(client: GameClient, restarter: boolean, rng: SeededRng, sessionIndex: number): Promise<void> {
    await client.join({ signal: stop.signal });
    for (;;) {
      const state = await client.state({ signal: stop.signal });
      if (state.gameover) {
        if (!restarter) continue; // wait for the restart: a replay of the final state, then the new game
        tally.games++;
        const winner = state.winner;
        if (winner === 0 || winner === 1) tally.wins[winner]++;
        else tally.draws++;
        if (sessionIndex === 0) options.onGameOver?.(state);
        if (done()) {
          stop.abort();
          return;
        }
        await client.restart({ signal: stop.signal });
        continue;
      }
      if (!state.current.includes(client.playerId)) continue;
      const board = state.board as number[];
      const free: number[] = [];
      for (let i = 0; i < 9; i++) if (board[i] === -1) free.push(i);
      const position = free[rng.int(0, free.length - 1)] as number;
      const t0 = performance.now();
      await client.move({ position }, { signal: stop.signal });
      if (record) tally.moveLatenciesMs.push(performance.now() - t0);
      tally.moves++;
    }
  }

  const runs: Array<Promise<void>> = [];
  const clients: GameClient[] = [];
  for (let i = 0; i < options.sessions; i++) {
    const session = `${prefix}-${i}`;
    const first = new GameClient({ ...options.client, game: 'TicTacToe', session, players: 2, name: 'a' });
    const second = new GameClient({ ...options.client, game: 'TicTacToe', session, players: 2, name: 'b' });
    const seed = (options.seed ?? 1) * 100_003 + i;
    clients.push(first, second);
    runs.push(seat(first, true, new SeededRng(`${seed}-a`), i));
    runs.push(seat(second, false, new SeededRng(`${seed}-b`), i));
  }
  const results = await Promise.allSettled(runs);
  clearTimeout(timer);
  tally.requests = clients.reduce((sum, c) => sum + c.stats.requests, 0);
  for (const r of results) {
    if (r.status === 'rejected' && !(r.reason instanceof AbortError)) throw r.reason;
  }
  return tally;
}

/** The q-quantile (0..1) of a list of numbers, by nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}
