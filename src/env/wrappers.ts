import { ClientStateError, IllegalMoveError, InvalidOptionError } from '../core/errors.ts';
import { SeededRng } from '../core/rng.ts';
import { randomLegal } from './bots.ts';
import type { Env, EpisodeStats, StepInfo, StepResult } from './env.ts';
import { Box, type MaskArray, type Space } from './spaces.ts';

type ResetOptions = { seed?: number; options?: Record<string, unknown> };
type ResetResult<Obs> = { observation: Obs; info: StepInfo };

/**
 * Gymnasium's `Wrapper`: an env around another env that forwards everything
 * to it. Subclasses change one thing (the observation, the end of an
 * episode, what an illegal action does) and leave the rest to the env inside.
 * `unwrapped` is the innermost env.
 */
export class Wrapper<Obs = unknown, Act = unknown, InnerObs = Obs, InnerAct = Act> implements Env<Obs, Act> {
  readonly env: Env<InnerObs, InnerAct>;

  constructor(env: Env<InnerObs, InnerAct>) {
    if (!env || typeof env.step !== 'function' || typeof env.reset !== 'function') {
      throw new InvalidOptionError('Expected a wrapper to wrap an env (an object with reset and step)');
    }
    this.env = env;
  }

  get observationSpace(): Space<Obs> {
    return this.env.observationSpace as unknown as Space<Obs>;
  }

  get actionSpace(): Space<Act> {
    return this.env.actionSpace as unknown as Space<Act>;
  }

  /** The innermost env (a `GameEnv` for what `makeEnv` returns). */
  get unwrapped(): Env<unknown, unknown> {
    const inner = this.env as Env<InnerObs, InnerAct> & { unwrapped?: Env<unknown, unknown> };
    return inner.unwrapped ?? inner;
  }

  // The forwarders hand the inner promise on without an async layer of their own: a stack of
  // wrappers adds no microtask hops to a step.
  reset(options?: ResetOptions): Promise<ResetResult<Obs>> {
    return this.env.reset(options) as unknown as Promise<ResetResult<Obs>>;
  }

  step(action: Act): Promise<StepResult<Obs>> {
    return this.env.step(action as unknown as InnerAct) as unknown as Promise<StepResult<Obs>>;
  }

  render(): string {
    return this.env.render();
  }

  close(): Promise<void> {
    return this.env.close();
  }
}

/** A wrapper that changes observations only: override `observation` (and `observationSpace` if the space changes). */
export abstract class ObservationWrapper<Obs, Act = unknown, InnerObs = Obs> extends Wrapper<Obs, Act, InnerObs, Act> {
  /** The observation the agent sees for one the inner env returned. */
  protected abstract observation(observation: InnerObs): Obs;

  override async reset(options?: ResetOptions): Promise<ResetResult<Obs>> {
    const { observation, info } = await this.env.reset(options);
    return { observation: this.observation(observation), info };
  }

  override async step(action: Act): Promise<StepResult<Obs>> {
    const result = await this.env.step(action);
    return { ...result, observation: this.observation(result.observation) };
  }
}

const OVER = 'Call reset() before step(): the episode is over or has not started';

/** Ends the episode of the step it is returned by: an all-zero mask (no action is due any more) and how it ended. */
function ended<Obs>(result: StepResult<Obs>, outcome: EpisodeStats['outcome']): StepResult<Obs> {
  result.info = { ...result.info, actionMask: new Uint8Array(result.info.actionMask.length), outcome };
  return result;
}

/**
 * Truncates an episode after `maxEpisodeSteps` steps (`truncated: true`,
 * outcome `'truncated'`); a step after that throws `ClientStateError` until
 * `reset`. Gymnasium's `TimeLimit`.
 */
export class TimeLimit<Obs = unknown, Act = unknown> extends Wrapper<Obs, Act> {
  readonly maxEpisodeSteps: number;
  private elapsed = 0;
  /** This wrapper ended the episode (the env inside would take another step). */
  private cut = false;

  constructor(env: Env<Obs, Act>, maxEpisodeSteps: number) {
    super(env);
    if (!(Number.isInteger(maxEpisodeSteps) && maxEpisodeSteps > 0)) {
      throw new InvalidOptionError(`Expected maxEpisodeSteps to be a positive integer, got ${String(maxEpisodeSteps)}`);
    }
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  override async reset(options?: ResetOptions): Promise<ResetResult<Obs>> {
    const result = await this.env.reset(options);
    this.elapsed = 0;
    this.cut = false;
    return result;
  }

  override async step(action: Act): Promise<StepResult<Obs>> {
    if (this.cut) throw new ClientStateError(OVER);
    const result = await this.env.step(action);
    this.elapsed++;
    if (result.terminated || result.truncated || this.elapsed < this.maxEpisodeSteps) return result;
    this.cut = true;
    result.truncated = true;
    return ended(result, 'truncated');
  }
}

/**
 * Adds `info.episode` (return, length, outcome) to the step that ends an
 * episode. The outcome is `info.outcome` as the layer that ended the episode
 * set it (the game's result, `'illegal'`, `'truncated'`), else `'truncated'`
 * or `'terminated'`. Gymnasium's `RecordEpisodeStatistics`.
 */
export class RecordEpisodeStatistics<Obs = unknown, Act = unknown> extends Wrapper<Obs, Act> {
  /** Episodes finished since this wrapper was made. */
  episodes = 0;
  private episodeReturn = 0;
  private length = 0;

  override async reset(options?: ResetOptions): Promise<ResetResult<Obs>> {
    const result = await this.env.reset(options);
    this.episodeReturn = 0;
    this.length = 0;
    return result;
  }

  // `then` with a method rather than an async function: one promise and no closure per step.
  override step(action: Act): Promise<StepResult<Obs>> {
    return this.env.step(action).then(this.record);
  }

  private readonly record = (result: StepResult<Obs>): StepResult<Obs> => {
    this.episodeReturn += result.reward;
    this.length++;
    if (result.terminated || result.truncated) {
      this.episodes++;
      result.info.episode = {
        return: this.episodeReturn,
        length: this.length,
        outcome: result.info.outcome ?? (result.truncated ? 'truncated' : 'terminated'),
      };
    }
    return result;
  };
}

/** What to do when the server refuses an action: throw its `IllegalMoveError`, end the episode with reward -1, or play a random legal action instead. */
export type IllegalActionMode = 'raise' | 'penalize' | 'resample';

const ILLEGAL_MODES: readonly IllegalActionMode[] = ['raise', 'penalize', 'resample'];

/**
 * What an illegal action (a step that throws `IllegalMoveError`) does:
 * `'raise'` passes the error on (the episode goes on: step again);
 * `'penalize'` ends the episode with reward -1 and outcome `'illegal'` (the
 * observation and state stay the last ones); `'resample'` plays a uniformly
 * random legal action instead. `info.illegalMoves` and `info.resampled`
 * count them per episode. Seeded like the env (`seed`, then `reset({ seed })`).
 */
export class IllegalActionPolicy<Obs = unknown, Act = unknown> extends Wrapper<Obs, Act> {
  readonly mode: IllegalActionMode;
  private rng: SeededRng;
  private last: ResetResult<Obs> | undefined;
  private illegalMoves = 0;
  private resampled = 0;
  /** A penalty ended the episode (the env inside would take another step). */
  private penalized = false;

  constructor(env: Env<Obs, Act>, mode: IllegalActionMode = 'raise', options: { seed?: number } = {}) {
    super(env);
    if (!ILLEGAL_MODES.includes(mode)) {
      throw new InvalidOptionError(`Expected illegalAction to be one of ${ILLEGAL_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
    }
    this.mode = mode;
    this.rng = new SeededRng(`env-${options.seed ?? 0}`);
  }

  override async reset(options: ResetOptions = {}): Promise<ResetResult<Obs>> {
    if (options.seed !== undefined) this.rng = new SeededRng(`env-${options.seed}`);
    const result = await this.env.reset(options);
    this.illegalMoves = 0;
    this.resampled = 0;
    this.penalized = false;
    result.info.illegalMoves = 0;
    result.info.resampled = 0;
    this.last = result;
    return result;
  }

  // `then` with methods rather than an async function: one promise and no closure per step.
  override step(action: Act): Promise<StepResult<Obs>> {
    if (this.penalized) return Promise.reject(new ClientStateError(OVER));
    return this.env.step(action).then(this.count, this.refused);
  }

  private readonly count = (result: StepResult<Obs>): StepResult<Obs> => {
    result.info.illegalMoves = this.illegalMoves;
    result.info.resampled = this.resampled;
    this.last = result;
    return result;
  };

  private readonly refused = async (error: unknown): Promise<StepResult<Obs>> => {
    if (!(error instanceof IllegalMoveError)) throw error;
    this.illegalMoves++;
    if (this.mode === 'raise') throw error;
    const last = this.last as ResetResult<Obs>;
    if (this.mode === 'penalize') {
      this.penalized = true;
      return this.count(ended({ observation: last.observation, reward: -1, terminated: true, truncated: false, info: last.info }, 'illegal'));
    }
    this.resampled++;
    const mask = typeof this.env.actionMask === 'function' ? this.env.actionMask() : last.info.actionMask;
    return this.count(await this.env.step(randomLegal(mask, this.rng) as Act));
  };
}

/** The state of a `NormalizeObservation`: save it with a checkpoint, load it to go on where it stopped. */
export interface NormalizationState {
  count: number;
  mean: number[];
  var: number[];
}

/**
 * Normalizes `Float32Array` observations to about mean 0 and variance 1 per
 * element with a running mean and variance (Gymnasium's
 * `NormalizeObservation`): `(obs - mean) / sqrt(var + epsilon)`, the
 * statistics updated with every observation first while `update` is true.
 * `getState()`/`setState()` save and restore them as JSON.
 */
export class NormalizeObservation<Act = unknown> extends ObservationWrapper<Float32Array, Act, Float32Array> {
  /** Whether observations still update the statistics (set false to evaluate with frozen ones). */
  update = true;
  readonly epsilon: number;
  private readonly space: Box;
  private count = 1e-4;
  private mean: Float64Array;
  private variance: Float64Array;

  constructor(env: Env<Float32Array, Act>, options: { epsilon?: number } = {}) {
    super(env);
    const inner = env.observationSpace;
    if (inner.kind !== 'box') throw new InvalidOptionError(`NormalizeObservation needs a Box observation space, got ${inner.kind}`);
    this.epsilon = options.epsilon ?? 1e-8;
    if (!(this.epsilon > 0)) throw new InvalidOptionError(`Expected epsilon to be a positive number, got ${String(options.epsilon)}`);
    this.space = new Box(-Infinity, Infinity, inner.shape);
    const size = this.space.low.length;
    this.mean = new Float64Array(size);
    this.variance = new Float64Array(size).fill(1);
  }

  override get observationSpace(): Space<Float32Array> {
    return this.space;
  }

  protected observation(observation: Float32Array): Float32Array {
    if (this.update) this.observe(observation);
    const out = new Float32Array(observation.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = ((observation[i] as number) - (this.mean[i] as number)) / Math.sqrt((this.variance[i] as number) + this.epsilon);
    }
    return out;
  }

  /** The running statistics (plain JSON). */
  getState(): NormalizationState {
    return { count: this.count, mean: Array.from(this.mean), var: Array.from(this.variance) };
  }

  /** Restores statistics from `getState()` (of an env with the same observation size). */
  setState(state: NormalizationState): void {
    const size = this.mean.length;
    const ok = (xs: unknown): xs is number[] => Array.isArray(xs) && xs.length === size && xs.every((x) => Number.isFinite(x));
    if (!state || !(Number.isFinite(state.count) && state.count > 0) || !ok(state.mean) || !ok(state.var) || state.var.some((v) => v < 0)) {
      throw new InvalidOptionError(`Expected a normalization state { count > 0, mean, var } of ${size} finite values each (var >= 0)`);
    }
    this.count = state.count;
    this.mean = Float64Array.from(state.mean);
    this.variance = Float64Array.from(state.var);
  }

  /** One observation into the running mean and variance (the parallel update for a batch of one). */
  private observe(x: Float32Array): void {
    const total = this.count + 1;
    for (let i = 0; i < this.mean.length; i++) {
      const mean = this.mean[i] as number;
      const delta = (x[i] as number) - mean;
      this.mean[i] = mean + delta / total;
      this.variance[i] = ((this.variance[i] as number) * this.count + (delta * delta * this.count) / total) / total;
    }
    this.count = total;
  }
}

/**
 * Keeps the action mask of the latest `reset` or `step` and hands it out as
 * `actionMask()` (what maskable learners ask an env for), with `sample()`
 * drawing a random legal action. Works on any env whose `info` carries an
 * `actionMask`.
 */
export class ActionMask<Obs = unknown, Act = number> extends Wrapper<Obs, Act> {
  private mask: Uint8Array | undefined;
  private readonly rng: SeededRng;

  constructor(env: Env<Obs, Act>, options: { seed?: number } = {}) {
    super(env);
    this.rng = new SeededRng(`action-mask-${options.seed ?? 0}`);
  }

  override async reset(options?: ResetOptions): Promise<ResetResult<Obs>> {
    const result = await this.env.reset(options);
    this.mask = result.info.actionMask;
    return result;
  }

  override async step(action: Act): Promise<StepResult<Obs>> {
    const result = await this.env.step(action);
    this.mask = result.info.actionMask;
    return result;
  }

  /** 1 for every action legal now (all 0 once the episode is over): the inner env's own mask when it has one. */
  actionMask(): Uint8Array {
    if (!this.mask) throw new ClientStateError('No action mask yet: call reset() first');
    return typeof this.env.actionMask === 'function' ? this.env.actionMask() : this.mask;
  }

  /** A uniformly random legal action now. */
  sample(rng: SeededRng = this.rng): Act {
    return maskedSample(this.actionSpace, this.actionMask(), rng);
  }
}

/** A random action of `space` among those `mask` allows (`space.sample({ mask })`; `randomLegal` for the plain 0/1 case). */
export function maskedSample<Act>(space: Space<Act>, mask: MaskArray, rng?: SeededRng): Act {
  return space.sample({ mask, ...(rng ? { rng } : {}) } as never);
}
