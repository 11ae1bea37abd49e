import type { Response } from './messages.ts';

/** Lets a caller give up on a pending request (the socket closed, say); the server then answers nothing. */
export interface HandleContext {
  signal?: AbortSignal;
  /**
   * Called only when the request blocks (a join waiting for players, a long
   * poll), with a function that gives up on it. Cheaper than a signal for
   * callers whose requests mostly answer at once.
   */
  onBlock?: (cancel: () => void) => void;
}

/**
 * A server a client can call in process, without sockets: the embedded
 * server's framework, or a replay of a recording. `handle` resolves to the
 * answer, or to null when the caller gave up (through `ctx`) before one existed.
 */
export interface RequestHandler {
  handle(request: unknown, ctx?: HandleContext): Promise<Response | null>;
  /**
   * Optional fast path: the answer of a request that needs no waiting, given
   * at once (same checks, effects and answer as `handle`), or undefined with
   * no effect for one that would wait, which then goes through `handle`.
   */
  handleNow?(request: unknown): Response | undefined;
}
