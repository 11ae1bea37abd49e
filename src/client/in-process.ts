import { AbortError, TimeoutError } from '../core/errors.ts';
import type { Request, Response } from '../protocol/messages.ts';
import type { HandleContext, RequestHandler } from '../protocol/handler.ts';
import { describeRequest, type RequestOptions, type Transport } from './transport.ts';

/**
 * Calls an embedded server's framework directly: no sockets, no JSON, the
 * same answers and errors as over TCP. The fastest way to run many sessions.
 */
export class InProcessTransport implements Transport {
  readonly description = 'in-process';
  readonly framework: RequestHandler;

  constructor(framework: RequestHandler) {
    this.framework = framework;
  }

  request(request: Request, options: RequestOptions): Promise<Response> {
    const { timeoutMs, signal } = options;
    if (signal?.aborted) return Promise.reject(new AbortError(`Aborted before sending ${describeRequest(request)}`, { cause: signal.reason }));
    const pending = new Pending(timeoutMs, signal);
    const answer = this.framework.handle(request, pending);
    // Most requests are answered at once (the answer is never null then): hand the framework's promise on
    // without another async layer, the hot path of every in-process game.
    if (!pending.blocked) return answer as Promise<Response>;
    return answer.then(
      (response) => {
        pending.dispose();
        if (response) return response;
        if (pending.timedOut) throw new TimeoutError(`Timed out after ${timeoutMs} ms waiting for ${describeRequest(request)}`);
        throw new AbortError(`Aborted while waiting for ${describeRequest(request)}`, { cause: signal?.reason });
      },
      (error: unknown) => {
        pending.dispose();
        throw error;
      },
    );
  }
}

/** Listener options shared by every blocked request rather than made per request. */
const ONCE = { once: true } as const;

/**
 * The handle context of one request. Most requests answer at once, so the
 * timer and the abort listener are set up only when the framework reports
 * that the request blocks (a method, not a closure: this is the hot path).
 */
class Pending implements HandleContext {
  timedOut = false;
  private cancel: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly timeoutMs: number;
  private readonly abortSignal: AbortSignal | undefined;

  constructor(timeoutMs: number, signal: AbortSignal | undefined) {
    this.timeoutMs = timeoutMs;
    this.abortSignal = signal;
  }

  get blocked(): boolean {
    return this.cancel !== undefined;
  }

  onBlock(cancel: () => void): void {
    this.cancel = cancel;
    if (this.timeoutMs !== Infinity) {
      this.timer = setTimeout(() => {
        this.timedOut = true;
        cancel();
      }, this.timeoutMs);
      // A request blocked in process keeps nothing else alive: let the process exit if all else is done.
      this.timer.unref();
    }
    this.abortSignal?.addEventListener('abort', cancel, ONCE);
  }

  dispose(): void {
    if (!this.cancel) return;
    clearTimeout(this.timer);
    this.abortSignal?.removeEventListener('abort', this.cancel);
  }
}
