import { GameClient, type GameClientOptions } from './client.ts';
import { AbortError, GameServerError, SessionLostError } from '../core/errors.ts';
import { sleep } from '../core/sleep.ts';
import type { GameState } from '../protocol/messages.ts';

/** Options of `watchSession`: which player to follow, where, and what to do with each state. */
export interface WatchOptions extends Pick<GameClientOptions, 'host' | 'port' | 'tls' | 'server' | 'transport' | 'retries'> {
  game: string;
  /** A named (not auto) session. */
  session: string;
  /** The name of the player to follow. */
  name: string;
  /** Called with every state the player sees, in order. May be async: the next poll waits for it. */
  onState: (state: GameState, info: { playerId: number; index: number }) => void | Promise<void>;
  /** Stop after the first state with `gameover: true` (default false: follow restarts until the session ends). */
  untilGameOver?: boolean;
  /** Retry `observe` every this many ms while the session is not there or not full yet. Default 500; 0: fail at once. */
  waitForStartMs?: number;
  /** Stops watching (resolves with reason `'aborted'`). */
  signal?: AbortSignal;
  /** One long poll is re-sent after this (default 10 s). */
  stateTimeoutMs?: number;
}

/** How a watch ended. */
export interface WatchResult {
  reason: 'gameover' | 'session-lost' | 'aborted';
  states: number;
  playerId: number | undefined;
  /** The server's message when the session ended. */
  message?: string;
}

const NOT_READY = ['framework: game has not yet started', 'framework: no such game session', 'framework: no such player'];

/**
 * Follows a named player of a running session through observer mode: calls
 * `onState` with each state the player sees until the game is over (with
 * `untilGameOver`), the session ends (overwritten, timed out, gone), or the
 * signal fires. Waits for the session to start (and the player to join) first.
 */
export async function watchSession(options: WatchOptions): Promise<WatchResult> {
  const { onState, signal } = options;
  const client = new GameClient({
    game: options.game,
    session: options.session,
    name: options.name,
    host: options.host,
    port: options.port,
    tls: options.tls,
    server: options.server,
    transport: options.transport,
    retries: options.retries,
    stateTimeoutMs: options.stateTimeoutMs,
    signal,
  });
  const waitMs = options.waitForStartMs ?? 500;
  let states = 0;
  try {
    for (;;) {
      try {
        await client.observe();
        break;
      } catch (error) {
        const notReady = error instanceof GameServerError && NOT_READY.includes(error.serverMessage);
        if (!notReady || waitMs <= 0) throw error;
        await sleep(waitMs, signal);
        if (signal?.aborted) throw new AbortError('Aborted while waiting for the session to start');
      }
    }
    const playerId = client.playerId;
    for (;;) {
      const state = await client.state({ timeoutMs: Infinity });
      await onState(state, { playerId, index: states++ });
      if (state.gameover && options.untilGameOver) return { reason: 'gameover', states, playerId };
    }
  } catch (error) {
    const playerId = client.joined ? client.playerId : undefined;
    if (error instanceof AbortError || signal?.aborted) return { reason: 'aborted', states, playerId };
    // After observing, "no such game session" means the session was deleted (timed out, server restarted),
    // and "invalid key" that it was replaced by a new one of the same name.
    if (error instanceof SessionLostError || (client.joined && error instanceof GameServerError && /session|invalid key/.test(error.serverMessage))) {
      return { reason: 'session-lost', states, playerId, message: (error as GameServerError).serverMessage };
    }
    throw error;
  }
}
