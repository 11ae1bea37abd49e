import { ClientStateError, GameGymError } from '../core/errors.ts';
import { SeededRng } from '../core/rng.ts';
import { randomLegal } from './bots.ts';
import type { Env, StepInfo } from './env.ts';

/** Options of `checkEnv`. */
export interface CheckEnvOptions {
  /** Episodes played with random legal actions. Default 5. */
  episodes?: number;
  /** Steps per episode before the check gives up on an episode that does not end. Default 10,000. */
  maxSteps?: number;
  /** Seed of the random actions. Default 0. */
  seed?: number;
  /**
   * Picks the action of each step from the latest info; default a random
   * masked action, or `{}` for a JSON action space (raw adapters), which a
   * game like Echo refuses: pass e.g. `() => ({ msg: 'hi' })` there.
   */
  action?: (info: StepInfo, rng: SeededRng) => unknown;
}

/** What `checkEnv` found. */
export interface CheckEnvReport {
  episodes: number;
  steps: number;
  /** The checks that ran, in order. */
  passed: string[];
}

/** An env failed a conformance check; `failures` lists every one. */
export class EnvCheckError extends GameGymError {
  readonly failures: string[];

  constructor(failures: string[]) {
    super('E_ENV_CHECK', `The env failed ${failures.length} check(s):\n- ${failures.join('\n- ')}`);
    this.failures = failures;
  }
}

/**
 * The public conformance checks of an env (like Gymnasium's env_checker):
 * spaces, reset/step order, observations inside the observation space, masks
 * that are non-empty while a move is due and whose actions the server
 * accepts, rewards that are finite, termination and truncation kept apart,
 * episode statistics at the end, and, when given a factory, that two envs
 * made the same way and seeded the same play the same episode.
 *
 * Pass an env, or a factory that makes one (then the determinism check runs
 * on two more envs from it). Throws `EnvCheckError` listing every failure.
 */
export async function checkEnv<Obs, Act>(envOrFactory: Env<Obs, Act> | (() => Env<Obs, Act> | Promise<Env<Obs, Act>>), options: CheckEnvOptions = {}): Promise<CheckEnvReport> {
  const episodes = options.episodes ?? 5;
  const maxSteps = options.maxSteps ?? 10_000;
  const seed = options.seed ?? 0;
  const factory = typeof envOrFactory === 'function' ? envOrFactory : undefined;
  const env = factory ? await factory() : (envOrFactory as Env<Obs, Act>);
  const failures: string[] = [];
  const passed: string[] = [];
  const check = (name: string, ok: boolean, detail: string): void => {
    if (ok) {
      if (!passed.includes(name)) passed.push(name);
    } else if (failures.length < 50) failures.push(`${name}: ${detail}`);
  };

  check('spaces', isSpace(env.observationSpace) && isSpace(env.actionSpace), 'observationSpace and actionSpace must be spaces');

  let stepBeforeReset = false;
  try {
    await env.step(env.actionSpace.kind === 'json' ? ({} as Act) : (0 as Act));
  } catch (error) {
    stepBeforeReset = error instanceof ClientStateError;
  }
  check('step before reset is refused', stepBeforeReset, 'step() before reset() must throw ClientStateError');

  const rng = new SeededRng(`check-env-${seed}`);
  let steps = 0;
  try {
    for (let episode = 0; episode < episodes; episode++) {
      const first = await env.reset({ seed: seed + episode });
      checkObservation(first.observation, first.info);
      let done = false;
      let info = first.info;
      for (let t = 0; t < maxSteps && !done; t++) {
        const action = pickAction(info);
        const result = await env.step(action);
        steps++;
        checkObservation(result.observation, result.info);
        check('rewards are finite numbers', Number.isFinite(result.reward), `got reward ${result.reward}`);
        check('terminated and truncated are kept apart', !(result.terminated && result.truncated), 'both were true in one step');
        check('no illegal moves from masked actions', result.info.illegalMoves === 0, `the server refused a masked action (${result.info.illegalMoves})`);
        done = result.terminated || result.truncated;
        if (done) {
          check('episode statistics at the end', result.info.episode !== undefined, 'info.episode is missing at the end of an episode');
          let refused = false;
          try {
            await env.step(action);
          } catch (error) {
            refused = error instanceof ClientStateError;
          }
          check('step after the end is refused', refused, 'step() after terminated or truncated must throw ClientStateError until reset()');
        } else {
          check('masks are non-empty while a move is due', result.info.actionMask.some((m) => m === 1) || env.actionSpace.kind === 'json', 'all-zero mask mid-episode');
        }
        info = result.info;
      }
      check('episodes end', done, `no end after ${maxSteps} steps`);
    }
  } finally {
    if (factory) await env.close();
  }

  if (factory) {
    const [a, b] = [await factory(), await factory()];
    try {
      const ta = await trajectory(a, seed, pick);
      const tb = await trajectory(b, seed, pick);
      check('same seed, same episode', ta === tb, 'two envs made the same way and seeded the same diverged');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }

  if (failures.length > 0) throw new EnvCheckError(failures);
  return { episodes, steps, passed };

  function checkObservation(observation: Obs, info: StepInfo): void {
    check('observations are in the observation space', env.observationSpace.contains(observation), 'an observation is outside observationSpace');
    check('info has an action mask', info.actionMask instanceof Uint8Array, 'info.actionMask must be a Uint8Array');
  }

  function pickAction(info: StepInfo): Act {
    return pick(info, rng);
  }

  function pick(info: StepInfo, random: SeededRng): Act {
    if (options.action) return options.action(info, random) as Act;
    if (env.actionSpace.kind === 'json') return {} as Act;
    return randomLegal(info.actionMask, random) as Act;
  }
}

async function trajectory<Obs, Act>(env: Env<Obs, Act>, seed: number, pick: (info: StepInfo, rng: SeededRng) => Act): Promise<string> {
  const rng = new SeededRng(`trajectory-${seed}`);
  const parts: string[] = [];
  for (let episode = 0; episode < 2; episode++) {
    let { observation, info } = await env.reset({ seed: seed + episode });
    parts.push(serialize(observation));
    for (let t = 0; t < 1000; t++) {
      const result = await env.step(pick(info, rng));
      ({ observation, info } = result);
      parts.push(`${result.reward}|${serialize(observation)}`);
      if (result.terminated || result.truncated) break;
    }
  }
  return parts.join('\n');
}

/** Typed arrays as plain lists; anything else (a raw adapter's state object) as its JSON. */
function serialize(observation: unknown): string {
  return JSON.stringify(ArrayBuffer.isView(observation) ? Array.from(observation as unknown as ArrayLike<number>) : observation);
}

function isSpace(x: unknown): boolean {
  const s = x as { contains?: unknown; sample?: unknown; kind?: unknown } | null;
  return Boolean(s && typeof s.contains === 'function' && typeof s.sample === 'function' && typeof s.kind === 'string');
}
