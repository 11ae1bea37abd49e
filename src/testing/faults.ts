/**
 * Test support for the client's tests: a transport that injects faults
 * around a real server (lost answers, the reference's internal errors,
 * requests that never get an answer) and a TicTacToe game loop.
 */
import { AbortError, TimeoutError } from '../core/errors.ts';
import type { GameState, Request, Response, StateRequest } from '../protocol/messages.ts';
import { describeRequest, type RequestOptions, type Transport } from '../client/transport.ts';
import { finalBoardProblem } from './server.ts';

/**
 * Test support: which requests a `FaultInjectingTransport` spoils. `index`
 * counts the state requests that went through the transport, from 0.
 */
export interface FaultPlan {
  /**
   * The answer of a chosen state request is lost: the request still reaches
   * the server (without the caller's signal, so the server answers it and
   * the reader's change counts as seen, as with an orphaned request on the
   * reference server), and the caller waits until its own timeout or abort.
   */
  dropState?: (request: StateRequest, index: number) => boolean;
  /** Deliver the answer of a request `dropState` chose after all (e.g. keep game-ending states). */
  spare?: (response: Response, request: StateRequest) => boolean;
  /**
   * Answer a chosen state request with this response without sending it
   * (e.g. the reference's `framework: internal error` for an overlapping poll).
   */
  replaceState?: (request: StateRequest, index: number) => Response | undefined;
  /** Requests that are neither sent nor answered: they end only with the caller's timeout or abort. */
  blackhole?: (request: Request) => boolean;
}

/** What a `FaultInjectingTransport` did. */
export interface FaultStats {
  requests: number;
  states: number;
  dropped: number;
  spared: number;
  replaced: number;
  blackholed: number;
}

/**
 * A transport that wraps another one (usually an `InProcessTransport` on an
 * embedded server) and injects the faults of a `FaultPlan`. The server stays
 * real: only answers are lost or replaced on the way back.
 */
export class FaultInjectingTransport implements Transport {
  readonly description: string;
  readonly stats: FaultStats = { requests: 0, states: 0, dropped: 0, spared: 0, replaced: 0, blackholed: 0 };
  private readonly inner: Transport;
  private readonly plan: FaultPlan;
  /** Requests sent without the caller's signal whose answers have not come back yet. */
  private readonly orphans = new Set<Promise<unknown>>();

  constructor(inner: Transport, plan: FaultPlan) {
    this.inner = inner;
    this.plan = plan;
    this.description = `${inner.description} (with injected faults)`;
  }

  async request(request: Request, options: RequestOptions): Promise<Response> {
    this.stats.requests++;
    if (this.plan.blackhole?.(request)) {
      this.stats.blackholed++;
      return this.callerGivesUp(request, options).promise;
    }
    if (request.type !== 'state') return this.inner.request(request, options);

    const index = this.stats.states++;
    const replacement = this.plan.replaceState?.(request, index);
    if (replacement) {
      this.stats.replaced++;
      return replacement;
    }
    if (!this.plan.dropState?.(request, index)) return this.inner.request(request, options);

    // Sent on its own: the caller's timeout and abort do not reach the server.
    const orphan = this.inner.request(request, { timeoutMs: Infinity });
    const tracked = orphan.then(
      () => {},
      () => {},
    );
    this.orphans.add(tracked);
    void tracked.then(() => this.orphans.delete(tracked));
    const spared = orphan.then(
      (response) => (this.plan.spare?.(response, request) ? response : undefined),
      () => undefined,
    );
    const givenUp = this.callerGivesUp(request, options);
    const first = await Promise.race([spared, givenUp.promise]).catch(() => undefined);
    if (first) {
      givenUp.cancel();
      this.stats.spared++;
      return first;
    }
    this.stats.dropped++;
    return givenUp.promise;
  }

  /** Number of dropped requests still waiting on the server. */
  get pendingOrphans(): number {
    return this.orphans.size;
  }

  /** Rejects like the caller's transport would: `TimeoutError` at its timeout, `AbortError` at its abort. */
  private callerGivesUp(request: Request, options: RequestOptions): { promise: Promise<never>; cancel: () => void } {
    const what = describeRequest(request);
    const { timeoutMs, signal } = options;
    let timer: NodeJS.Timeout | undefined;
    let onAbort = (): void => {};
    const cancel = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const promise = new Promise<never>((_, reject) => {
      onAbort = () => {
        cancel();
        reject(new AbortError(`Aborted while waiting for ${what}`, { cause: signal?.reason }));
      };
      if (timeoutMs !== Infinity) {
        timer = setTimeout(() => {
          cancel();
          reject(new TimeoutError(`Timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
      }
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    promise.catch(() => {}); // rejections the caller no longer waits for (after `cancel`) are not errors
    return { promise, cancel };
  }
}

/** Test support: a TicTacToe policy that plays a pseudo-random free cell (seeded, so runs repeat). */
export function randomCells(seed: number): (board: number[]) => number {
  let x = (seed * 2654435761) >>> 0 || 1;
  return (board) => {
    const free = board.flatMap((cell, i) => (cell === -1 ? [i] : []));
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return free[x % free.length] as number;
  };
}

/**
 * Test support: joins every client, then plays one TicTacToe game, each
 * player taking the first free cell (so a recording of it repeats exactly);
 * resolves with the states each client saw.
 */
export async function playFirstFreeCells(clients: Array<TicTacToeSeat & { join(): Promise<unknown> }>): Promise<GameState[][]> {
  await Promise.all(clients.map((c) => c.join()));
  return Promise.all(
    clients.map(async (c) => {
      const seen: GameState[] = [];
      for (;;) {
        const state = await c.state();
        seen.push(state);
        if (state.gameover) return seen;
        if (state.current.includes(c.playerId)) await c.move({ position: (state.board as number[]).indexOf(-1) });
      }
    }),
  );
}

/** The part of `GameClient` a TicTacToe series needs. */
interface TicTacToeSeat {
  readonly playerId: number;
  state(): Promise<GameState>;
  move(move: { position: number }): Promise<void>;
  restart(): Promise<void>;
}

/**
 * Test support: plays `games` TicTacToe games in one session as one player
 * and returns the final state of each. Exactly one player of the session
 * passes `restarter: true`; it restarts after each game but the last. Every
 * game begins at the first state with `gameover: false` (a client that saw
 * the final state sees it once more after the restart).
 */
export async function playTicTacToeSeries(client: TicTacToeSeat, games: number, options: { restarter: boolean; pick?: (board: number[]) => number }): Promise<GameState[]> {
  const pick = options.pick ?? ((board: number[]) => board.indexOf(-1));
  const finals: GameState[] = [];
  for (let g = 0; g < games; g++) {
    let state = await client.state();
    while (state.gameover) state = await client.state();
    while (!state.gameover) {
      if (state.current.includes(client.playerId)) await client.move({ position: pick(state.board as number[]) });
      state = await client.state();
    }
    finals.push(state);
    if (options.restarter && g < games - 1) await client.restart();
  }
  return finals;
}

/**
 * Test support: why a final TicTacToe state is not a finished game, or null:
 * the winner owns a line and nobody else does, or the board is full without
 * a line; marks alternate; nobody is current.
 */
export function finalTicTacToeProblem(state: GameState): string | null {
  if (!state.gameover || state.current.length !== 0) return `not over: ${JSON.stringify(state)}`;
  return finalBoardProblem({ board: state.board, winner: state.winner });
}
