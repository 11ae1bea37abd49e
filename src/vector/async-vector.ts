import { AbortError, ClientStateError, GameGymError, InvalidOptionError, TimeoutError } from '../core/errors.ts';
import type { Env, StepInfo } from '../env/env.ts';
import type { Space } from '../env/spaces.ts';

/** Gymnasium 1.x autoreset modes; only `'next-step'` is implemented. */
export type AutoresetMode = 'next-step';

/** Options of `AsyncVectorEnv`. */
export interface AsyncVectorEnvOptions {
  /** `recv()` returns once at least this many envs are ready (fewer if fewer are in flight). Default: all. */
  batchSize?: number;
  /** Default `'next-step'`: the step after an episode's end resets that env and ignores its action. */
  autoreset?: AutoresetMode;
}

/** A batch of results: `envIds[k]` is the env that produced the k-th entry of every other field. */
export interface VectorBatch<Obs> {
  envIds: number[];
  observations: Obs[];
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  infos: StepInfo[];
}

/** An env failed inside the vector; `envId` says which. */
export class VectorEnvError extends GameGymError {
  readonly envId: number;

  constructor(envId: number, cause: unknown) {
    super('E_VECTOR_ENV', `Env ${envId} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.envId = envId;
  }
}

interface Ready<Obs> {
  envId: number;
  observation: Obs;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

/**
 * Many envs stepped asynchronously, in the style of EnvPool: `send(actions,
 * envIds)` starts steps, `recv()` returns the envs that are ready (at least
 * `batchSize`), so a slow long poll never stalls the others, and self-play
 * seats of one session can live in one vector (a lock-step vector would
 * deadlock on them). `step(actions)` is the plain lock-step form for
 * independent envs.
 */
export class AsyncVectorEnv<Obs = Float32Array, Act = number> {
  readonly envs: ReadonlyArray<Env<Obs, Act>>;
  readonly numEnvs: number;
  readonly batchSize: number;
  readonly autoreset: AutoresetMode;
  readonly singleObservationSpace: Space<Obs>;
  readonly singleActionSpace: Space<Act>;
  private readonly busy: boolean[];
  private readonly needsReset: boolean[];
  private readonly ready: Array<Ready<Obs> | { envId: number; error: unknown }> = [];
  private inFlight = 0;
  /** Entries of `ready` that are errors. */
  private failures = 0;
  private wake: (() => void) | undefined;
  /** The recv() waiting without a timeout or signal (the common case): settled by `run` with no closures per batch. */
  private waiter: { want: number; resolve: () => void; reject: (error: Error) => void } | undefined;
  /** Per env, the `send` call that listed it last: finds an env listed twice without a Set per call. */
  private readonly listed: Uint32Array;
  private sends = 0;
  private closed = false;

  constructor(envs: Array<Env<Obs, Act>>, options: AsyncVectorEnvOptions = {}) {
    if (!Array.isArray(envs) || envs.length === 0) {
      throw new InvalidOptionError(`Expected a non-empty list of envs, got ${Array.isArray(envs) ? 'an empty list' : typeof envs}`);
    }
    this.envs = envs;
    this.numEnvs = envs.length;
    this.batchSize = options.batchSize ?? envs.length;
    if (!(Number.isInteger(this.batchSize) && this.batchSize >= 1 && this.batchSize <= envs.length)) {
      throw new InvalidOptionError(`Expected batchSize to be an integer from 1 to ${envs.length}, got ${String(options.batchSize)}`);
    }
    this.autoreset = options.autoreset ?? 'next-step';
    if (this.autoreset !== 'next-step') {
      throw new InvalidOptionError(`Expected autoreset to be "next-step", got ${JSON.stringify(options.autoreset)}`);
    }
    const first = envs[0] as Env<Obs, Act>;
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    this.busy = new Array<boolean>(envs.length).fill(false);
    this.needsReset = new Array<boolean>(envs.length).fill(true);
    this.listed = new Uint32Array(envs.length);
  }

  /**
   * Resets every env at once (seeds `seed + i`) and returns the observations
   * in env order. For independent envs; envs that share a session need
   * `asyncReset()` and `recv()`.
   */
  async reset(options: { seed?: number } = {}): Promise<{ observations: Obs[]; infos: StepInfo[] }> {
    this.assertOpen();
    if (this.inFlight > 0 || this.ready.length > 0) throw new ClientStateError('reset() while steps are in flight: recv() them first');
    const results = await Promise.all(
      this.envs.map((env, i) =>
        env.reset(options.seed === undefined ? {} : { seed: options.seed + i }).catch((error: unknown) => {
          throw new VectorEnvError(i, error);
        }),
      ),
    );
    this.needsReset.fill(false);
    return { observations: results.map((r) => r.observation), infos: results.map((r) => r.info) };
  }

  /**
   * Starts a reset of every env (seeds `seed + i`) without waiting: the first
   * observations come back through `recv()`, as envs become ready. Use this
   * when envs share sessions (self-play): a seat's reset returns only when it
   * is that seat's turn, which may need another seat of the vector to move.
   */
  asyncReset(options: { seed?: number } = {}): void {
    this.assertOpen();
    if (this.inFlight > 0 || this.ready.length > 0) throw new ClientStateError('asyncReset() while steps are in flight: recv() them first');
    this.envs.forEach((env, id) => {
      this.busy[id] = true;
      this.inFlight++;
      void this.run(id, null, options.seed === undefined ? {} : { seed: options.seed + id });
    });
  }

  /** Starts a step of each listed env (default: all) with its action. Envs must not be in flight. */
  send(actions: Act[], envIds?: number[]): void {
    this.assertOpen();
    const ids = envIds ?? this.envs.map((_, i) => i);
    if (actions.length !== ids.length) {
      throw new InvalidOptionError(`Expected one action per env id (${ids.length}), got ${actions.length}`);
    }
    const stamp = (this.sends = (this.sends + 1) >>> 0 || 1);
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.numEnvs) throw new InvalidOptionError(`Expected env ids from 0 to ${this.numEnvs - 1}, got ${id}`);
      if (this.busy[id]) throw new ClientStateError(`Env ${id} is already in flight: recv() it before sending it again`);
      if (this.listed[id] === stamp) throw new InvalidOptionError(`Env ${id} is listed twice: send each env one action`);
      this.listed[id] = stamp;
    }
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k] as number;
      this.busy[id] = true;
      this.inFlight++;
      void this.run(id, actions[k] as Act);
    }
  }

  /**
   * Waits until at least `batchSize` envs are ready (or every env in flight,
   * if fewer) and returns them, in the order they became ready.
   */
  async recv(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<VectorBatch<Obs>> {
    this.assertOpen();
    if (this.wake || this.waiter) throw new ClientStateError('recv() while another recv() waits: await it first');
    const want = Math.min(this.batchSize, this.inFlight + this.ready.length);
    if (want === 0) throw new ClientStateError('recv() with no env in flight: send() actions first');
    if (options.signal?.aborted) {
      throw new AbortError(`Aborted before waiting for ${want} env(s); ${this.ready.length} ready`, { cause: options.signal.reason });
    }
    if (this.ready.length < want && this.failures === 0) await this.waitFor(want, options);
    if (this.failures > 0) {
      // The other results stay queued, so nothing is lost; the caller learns which env failed.
      const failedAt = this.ready.findIndex((r) => 'error' in r);
      const [failed] = this.ready.splice(failedAt, 1) as Array<{ envId: number; error: unknown }>;
      this.failures--;
      throw new VectorEnvError((failed as { envId: number }).envId, (failed as { error: unknown }).error);
    }
    const taken = this.ready.splice(0, want) as Array<Ready<Obs>>;
    // One pass, no per-field closures: recv runs once per batch of every training loop.
    const batch: VectorBatch<Obs> = {
      envIds: new Array<number>(want),
      observations: new Array<Obs>(want),
      rewards: new Float32Array(want),
      terminated: new Uint8Array(want),
      truncated: new Uint8Array(want),
      infos: new Array<StepInfo>(want),
    };
    for (let k = 0; k < want; k++) {
      const r = taken[k] as Ready<Obs>;
      batch.envIds[k] = r.envId;
      batch.observations[k] = r.observation;
      batch.rewards[k] = r.reward;
      batch.terminated[k] = r.terminated ? 1 : 0;
      batch.truncated[k] = r.truncated ? 1 : 0;
      batch.infos[k] = r.info;
    }
    return batch;
  }

  /** Lock-step: steps every env and returns the results in env order. */
  async step(actions: Act[]): Promise<VectorBatch<Obs>> {
    if (this.inFlight > 0 || this.ready.length > 0) throw new ClientStateError('step() while steps are in flight: recv() them first');
    this.send(actions);
    const parts: Array<VectorBatch<Obs>> = [];
    let got = 0;
    while (got < this.numEnvs) {
      const batch = await this.recv();
      parts.push(batch);
      got += batch.envIds.length;
    }
    const order = parts.flatMap((b) => b.envIds.map((id, k) => ({ id, b, k }))).sort((x, y) => x.id - y.id);
    return {
      envIds: order.map((o) => o.id),
      observations: order.map((o) => o.b.observations[o.k] as Obs),
      rewards: Float32Array.from(order.map((o) => o.b.rewards[o.k] as number)),
      terminated: Uint8Array.from(order.map((o) => o.b.terminated[o.k] as number)),
      truncated: Uint8Array.from(order.map((o) => o.b.truncated[o.k] as number)),
      infos: order.map((o) => o.b.infos[o.k] as StepInfo),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    this.settle();
    await Promise.all(this.envs.map((env) => env.close()));
  }

  private async run(id: number, action: Act | null, resetOptions?: { seed?: number }): Promise<void> {
    const env = this.envs[id] as Env<Obs, Act>;
    try {
      if (this.needsReset[id] || resetOptions) {
        // next-step autoreset: this step's action is ignored and the env starts its next episode.
        const { observation, info } = await env.reset(resetOptions);
        this.needsReset[id] = false;
        this.ready.push({ envId: id, observation, reward: 0, terminated: false, truncated: false, info });
      } else {
        const r = await env.step(action as Act);
        if (r.terminated || r.truncated) this.needsReset[id] = true;
        this.ready.push({ envId: id, observation: r.observation, reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info });
      }
    } catch (error) {
      this.needsReset[id] = true;
      this.ready.push({ envId: id, error });
      this.failures++;
    } finally {
      this.busy[id] = false;
      this.inFlight--;
      if (this.waiter) this.settle();
      else this.wake?.();
    }
  }

  /** Settles the plain waiting recv() once it may return (or the vector closed). */
  private settle(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    if (this.closed) {
      this.waiter = undefined;
      waiter.reject(new ClientStateError('The vector env was closed while recv() waited'));
    } else if (this.ready.length >= waiter.want || this.failures > 0) {
      this.waiter = undefined;
      waiter.resolve();
    }
  }

  private waitFor(want: number, options: { timeoutMs?: number; signal?: AbortSignal }): Promise<void> {
    const { timeoutMs = Infinity, signal } = options;
    if (timeoutMs === Infinity && !signal) {
      return new Promise<void>((resolve, reject) => {
        this.waiter = { want, resolve, reject };
      });
    }
    return new Promise<void>((resolve, reject) => {
      const timer =
        timeoutMs === Infinity
          ? undefined
          : setTimeout(() => {
              done();
              reject(new TimeoutError(`Timed out after ${timeoutMs} ms waiting for ${want} env(s): ${this.ready.length} ready, ${this.inFlight} still pending`));
            }, timeoutMs);
      const onAbort = (): void => {
        done();
        reject(new AbortError(`Aborted while waiting for ${want} env(s); ${this.ready.length} ready`, { cause: signal?.reason }));
      };
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.wake = undefined;
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.wake = () => {
        if (this.closed) {
          done();
          reject(new ClientStateError('The vector env was closed while recv() waited'));
        } else if (this.ready.length >= want || this.failures > 0) {
          done();
          resolve();
        }
      };
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientStateError('This vector env is closed');
  }
}
