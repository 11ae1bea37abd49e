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

  requestNow(request: Request): Response | undefined {
    return this.framework.handleNow?.(request);
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

/**
 * The handle context of one request. Most requests answer at once, so the
 * timeout and the abort watch are set up only when the framework reports
 * that the request blocks (a method, not a closure: this is the hot path).
 * A blocked request arms no timer and adds no listener of its own: it joins
 * the queue of its timeout (`TimeoutQueue`) and the watch of its signal
 * (`watchSignal`): a list and a set operation instead of a timer and an
 * event listener per long poll.
 */
class Pending implements HandleContext {
  timedOut = false;
  /** When the request times out (`performance.now()` clock); Infinity for never. */
  deadline = Infinity;
  cancel: (() => void) | undefined;
  /** The queue of its timeout while it waits, and its neighbours there. */
  queue: TimeoutQueue | undefined;
  previous: Pending | undefined;
  /** The blocked requests of its signal, while it waits. */
  private watch: Set<Pending> | undefined;
  next: Pending | undefined;
  private done = false;
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
      this.queue = timeoutQueue(this.timeoutMs);
      this.queue.add(this);
    }
    if (this.abortSignal) {
      this.watch = watchSignal(this.abortSignal);
      this.watch.add(this);
    }
  }

  /** The deadline passed: gives up on the request (its answer is then a `TimeoutError`). */
  expire(): void {
    if (this.done) return;
    this.timedOut = true;
    this.cancel?.();
  }

  /** The signal fired: gives up on the request (its answer is then an `AbortError`). */
  abort(): void {
    if (!this.done) this.cancel?.();
  }

  dispose(): void {
    if (!this.cancel || this.done) return;
    this.done = true;
    this.queue?.remove(this);
    this.watch?.delete(this);
  }
}

/** Blocked requests by signal; each signal gets one listener, once, for every request that ever waits on it. */
const watchedSignals = new WeakMap<AbortSignal, Set<Pending>>();

function watchSignal(signal: AbortSignal): Set<Pending> {
  let waiting = watchedSignals.get(signal);
  if (!waiting) {
    const requests = new Set<Pending>();
    waiting = requests;
    watchedSignals.set(signal, requests);
    signal.addEventListener(
      'abort',
      () => {
        for (const pending of [...requests]) pending.abort();
        requests.clear();
      },
      { once: true },
    );
  }
  return waiting;
}

/** One queue per timeout length: requests join in deadline order, so one timer for the earliest deadline serves them all. */
const timeoutQueues = new Map<number, TimeoutQueue>();

function timeoutQueue(timeoutMs: number): TimeoutQueue {
  let queue = timeoutQueues.get(timeoutMs);
  if (!queue) {
    queue = new TimeoutQueue(timeoutMs);
    timeoutQueues.set(timeoutMs, queue);
  }
  return queue;
}

/**
 * The blocked requests of one timeout length in a linked list, oldest first
 * (so deadlines ascend): joining and leaving are O(1) and an answered request
 * is unlinked at once. A single unref'd timer, armed for the front's
 * deadline, expires what is due and re-arms for the rest.
 */
class TimeoutQueue {
  private readonly timeoutMs: number;
  private first: Pending | undefined;
  private last: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  add(pending: Pending): void {
    pending.deadline = performance.now() + this.timeoutMs;
    pending.previous = this.last;
    if (this.last) this.last.next = pending;
    else this.first = pending;
    this.last = pending;
    if (this.timer === undefined) this.arm(pending.deadline);
  }

  remove(pending: Pending): void {
    const { previous, next } = pending;
    if (previous) previous.next = next;
    else if (this.first === pending) this.first = next;
    if (next) next.previous = previous;
    else if (this.last === pending) this.last = previous;
    pending.previous = pending.next = pending.queue = undefined;
  }

  private arm(at: number): void {
    this.timer = setTimeout(() => this.fire(), Math.max(1, Math.ceil(at - performance.now())));
    // A request blocked in process keeps nothing else alive: let the process exit if all else is done.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    const now = performance.now();
    let pending = this.first;
    while (pending && pending.deadline <= now) {
      const next = pending.next;
      this.remove(pending);
      pending.expire();
      pending = next;
    }
    if (this.first) this.arm(this.first.deadline);
    // Left empty for a whole timeout: forget it (re-polls use many timeout lengths).
    else if (timeoutQueues.get(this.timeoutMs) === this) timeoutQueues.delete(this.timeoutMs);
  }
}
