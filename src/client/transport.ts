import type { Request, Response } from '../protocol/messages.ts';

/** Per-request options every transport honours. */
export interface RequestOptions {
  /** Give up after this many milliseconds (`TimeoutError`); Infinity waits for ever. */
  timeoutMs: number;
  /** Give up when this fires (`AbortError`). */
  signal?: AbortSignal | undefined;
}

/**
 * Carries one request to a game server and brings back its response. Errors
 * are `GameGymError`s: refused, reset, timeout, aborted, protocol violation.
 */
export interface Transport {
  /** Where requests go, for messages ("tcp://127.0.0.1:4711", "in-process"). */
  readonly description: string;
  request(request: Request, options: RequestOptions): Promise<Response>;
  /**
   * Optional fast path (in process): the response when the server answers at
   * once without waiting, else undefined, with no effect (use `request`).
   */
  requestNow?(request: Request): Response | undefined;
}

/** What a request was doing, for timeout and abort messages. */
export function describeRequest(request: Request): string {
  const where = `${request.game} session "${request.session}"`;
  switch (request.type) {
    case 'join':
      return `the join of ${where} (waiting for the session to fill)`;
    case 'state':
      return `the state of ${request.observer ? 'the observer of ' : ''}player ${request.player_id} in ${where}`;
    case 'move':
      return `the move of player ${request.player_id} in ${where}`;
    case 'observe':
      return `observing "${request.name}" in ${where}`;
    case 'restart':
      return `the restart of ${where} by player ${request.player_id}`;
  }
}
