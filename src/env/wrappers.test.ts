import { afterEach, describe, expect, it } from 'vitest';
import { ClientStateError, IllegalMoveError, InvalidOptionError } from '../core/errors.ts';
import { GameFramework } from '../server/framework.ts';
import { SeededRng } from '../core/rng.ts';
import { randomLegal } from './bots.ts';
import { checkEnv } from './check-env.ts';
import { GameEnv, makeEnv, type Env, type StepInfo } from './env.ts';
import { Discrete } from './spaces.ts';
import { ActionMask, IllegalActionPolicy, NormalizeObservation, ObservationWrapper, RecordEpisodeStatistics, TimeLimit, Wrapper, maskedSample } from './wrappers.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A bare GameEnv (session mechanics only) for TicTacToe vs the random bot on its own server. */
function bare(seed: number, game = 'TicTacToe'): GameEnv<Float32Array, number> {
  const server = new GameFramework({ seed });
  const env = new GameEnv<Float32Array, number>(game, { server, seed });
  cleanups.push(
    () => env.close(),
    () => server.close(),
  );
  return env;
}

/** Plays random legal actions to the end of the episode; returns the last step's info and the number of steps. */
async function playOut(env: Env<Float32Array, number>, info: StepInfo, rng: SeededRng) {
  for (let steps = 1; ; steps++) {
    const r = await env.step(randomLegal(info.actionMask, rng));
    if (r.terminated || r.truncated) return { r, steps };
    info = r.info;
  }
}

describe('GameEnv alone: the session mechanics', () => {
  it('ends episodes with the outcome in info and no statistics; an illegal action throws and play goes on', async () => {
    const env = bare(1);
    const rng = new SeededRng('bare');
    let { info } = await env.reset();
    if (!(info.state?.board as number[]).some((v) => v !== -1)) info = (await env.step(randomLegal(info.actionMask, rng))).info;
    const occupied = (info.state?.board as number[]).findIndex((v) => v !== -1);
    await expect(env.step(occupied)).rejects.toBeInstanceOf(IllegalMoveError);
    expect([...env.actionMask()]).toEqual([...info.actionMask]);
    const { r } = await playOut(env, info, rng);
    expect(r.terminated).toBe(true);
    expect(['win', 'draw', 'loss']).toContain(r.info.outcome);
    expect(r.info.episode).toBeUndefined();
    expect(r.info.illegalMoves).toBeUndefined();
    expect(env.actionMask().every((v) => v === 0)).toBe(true);
  });
});

describe('wrappers compose on any env', () => {
  it('Wrapper forwards everything; unwrapped is the innermost env', async () => {
    const base = bare(2);
    const env = new Wrapper(new Wrapper(base));
    expect(env.unwrapped).toBe(base);
    expect(env.observationSpace).toBe(base.observationSpace);
    expect(env.actionSpace).toBe(base.actionSpace);
    expect(env.render()).toBe('(no game yet: call reset())');
    const { observation } = await env.reset({ seed: 2 });
    expect(base.observationSpace.contains(observation)).toBe(true);
    expect(() => new Wrapper({} as Env)).toThrow('Expected a wrapper to wrap an env (an object with reset and step)');
  });

  it('TimeLimit truncates after n steps with an all-zero mask; then step throws until reset', async () => {
    const env = new RecordEpisodeStatistics(new TimeLimit(bare(3), 2));
    const rng = new SeededRng('limit');
    for (let episode = 0; episode < 3; episode++) {
      let { info } = await env.reset();
      const r1 = await env.step(randomLegal(info.actionMask, rng));
      if (r1.terminated) continue;
      info = r1.info;
      const r2 = await env.step(randomLegal(info.actionMask, rng));
      if (r2.terminated) continue;
      expect(r2.truncated).toBe(true);
      expect(r2.info.actionMask.every((v) => v === 0)).toBe(true);
      expect(r2.info.episode).toEqual({ return: r1.reward + r2.reward, length: 2, outcome: 'truncated' });
      await expect(env.step(0)).rejects.toBeInstanceOf(ClientStateError);
    }
    expect(() => new TimeLimit(bare(3), 0)).toThrow('Expected maxEpisodeSteps to be a positive integer, got 0');
  });

  it('RecordEpisodeStatistics sums rewards and counts steps; outcome from the env', async () => {
    const env = new RecordEpisodeStatistics(bare(4, 'Yahtzee') as unknown as Env<Float32Array, number>);
    const rng = new SeededRng('stats');
    const { info } = await env.reset();
    let sum = 0;
    let steps = 0;
    let last = info;
    for (;;) {
      const r = await env.step(randomLegal(last.actionMask, rng));
      sum += r.reward;
      steps++;
      last = r.info;
      if (r.terminated || r.truncated) {
        expect(r.info.episode).toEqual({ return: sum, length: steps, outcome: r.info.outcome });
        expect(r.info.episode?.outcome).toEqual({ score: sum });
        break;
      }
    }
    expect(env.episodes).toBe(1);
  });

  it("IllegalActionPolicy on a bare env: 'resample' asks the env for its mask", async () => {
    const env = new IllegalActionPolicy(bare(5), 'resample', { seed: 1 });
    const { info } = await env.reset();
    const occupied = (info.state?.board as number[]).findIndex((v) => v !== -1);
    const action = occupied >= 0 ? occupied : 9;
    const r = await env.step(action);
    expect(r.info.illegalMoves).toBe(1);
    expect(r.info.resampled).toBe(1);
    expect(() => new IllegalActionPolicy(bare(5), 'ignore' as never)).toThrow('Expected illegalAction to be one of raise, penalize, resample, got "ignore"');
  });

  it('an ObservationWrapper of ten lines changes observations only', async () => {
    class Doubled extends ObservationWrapper<Float32Array, number> {
      protected observation(obs: Float32Array): Float32Array {
        return obs.map((v) => v * 2);
      }
    }
    const inner = makeEnv('TicTacToe', { server: new GameFramework({ seed: 6 }), seed: 6 });
    cleanups.push(() => inner.close());
    const env = new Doubled(inner);
    const { observation, info } = await env.reset();
    expect(observation.reduce((a, b) => a + b, 0)).toBe(18);
    const { r } = await playOut(env, info, new SeededRng('doubled'));
    expect(r.info.episode?.length).toBeGreaterThan(0);
  });
});

describe('NormalizeObservation', () => {
  /** Keeps every observation that passes, unchanged. */
  class Tap extends ObservationWrapper<Float32Array, number> {
    readonly seen: Float32Array[] = [];
    protected observation(obs: Float32Array): Float32Array {
      this.seen.push(obs);
      return obs;
    }
  }

  async function play(env: Env<Float32Array, number>, steps: number, seed: string): Promise<void> {
    const rng = new SeededRng(seed);
    let { info } = await env.reset();
    for (let i = 0; i < steps; i++) {
      const r = await env.step(randomLegal(info.actionMask, rng));
      ({ info } = r.terminated || r.truncated ? await env.reset() : r);
    }
  }

  it('normalizes with the running mean and variance of what it saw', async () => {
    const tap = new Tap(makeEnv('TicTacToe', { server: new GameFramework({ seed: 7 }), seed: 7 }));
    const env = new NormalizeObservation(tap);
    cleanups.push(() => env.close());
    expect(env.observationSpace.kind).toBe('box');
    expect(env.observationSpace.contains(new Float32Array(27).fill(-5))).toBe(true);
    await play(env, 200, 'norm');
    const n = tap.seen.length;
    const state = env.getState();
    expect(state.count).toBeCloseTo(n + 1e-4, 6);
    for (let i = 0; i < 27; i++) {
      const mean = tap.seen.reduce((a, o) => a + (o[i] as number), 0) / n;
      const variance = tap.seen.reduce((a, o) => a + ((o[i] as number) - mean) ** 2, 0) / n;
      expect(state.mean[i]).toBeCloseTo(mean, 4);
      expect(state.var[i]).toBeCloseTo(variance, 4);
    }
  });

  it('saves and loads its state as JSON: a loaded copy normalizes the same; frozen stats stay put', async () => {
    const a = new NormalizeObservation(makeEnv('TicTacToe', { server: new GameFramework({ seed: 8 }), seed: 8 }));
    const tap = new Tap(makeEnv('TicTacToe', { server: new GameFramework({ seed: 8 }), seed: 8 }));
    const b = new NormalizeObservation(tap);
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    await play(a, 50, 'save');
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    b.update = false;
    const saved = JSON.stringify(a.getState());
    const { observation } = await b.reset();
    const raw = tap.seen[0] as Float32Array;
    const { mean, var: variance } = a.getState();
    expect([...observation]).toEqual([...raw].map((x, i) => Math.fround((x - (mean[i] as number)) / Math.sqrt((variance[i] as number) + 1e-8))));
    expect(JSON.stringify(b.getState())).toBe(saved);
    expect(() => b.setState({ count: 1, mean: [0], var: [1] })).toThrow('Expected a normalization state { count > 0, mean, var } of 27 finite values each (var >= 0)');
  });

  it('refuses an env whose observations are not a Box', () => {
    const env = makeEnv('Echo', { server: new GameFramework({ seed: 9 }) });
    expect(() => new NormalizeObservation(env as never)).toThrow(InvalidOptionError);
    expect(() => new NormalizeObservation(env as never)).toThrow('NormalizeObservation needs a Box observation space, got json');
  });
});

describe('action masks', () => {
  it('ActionMask hands out the current mask and samples legal actions only', async () => {
    const env = new ActionMask(makeEnv('TicTacToe', { server: new GameFramework({ seed: 10 }), seed: 10 }), { seed: 1 });
    cleanups.push(() => env.close());
    expect(() => env.actionMask()).toThrow(ClientStateError);
    let { info } = await env.reset();
    for (let i = 0; i < 100; i++) {
      expect([...env.actionMask()]).toEqual([...info.actionMask]);
      const action = env.sample();
      expect(info.actionMask[action]).toBe(1);
      const r = await env.step(action);
      expect(r.info.illegalMoves).toBe(0);
      ({ info } = r.terminated || r.truncated ? await env.reset() : r);
    }
  });

  it('maskedSample draws among the allowed actions of a space', () => {
    const rng = new SeededRng('masked');
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(maskedSample(new Discrete(5), Uint8Array.from([0, 1, 0, 1, 0]), rng));
    expect([...seen].sort()).toEqual([1, 3]);
  });
});

describe('checkEnv passes on every wrapped built-in env', () => {
  const cases: Array<{ game: string; options?: object; check?: Parameters<typeof checkEnv>[1]; normalize: boolean }> = [
    { game: 'TicTacToe', normalize: true },
    { game: 'TicTacToe', options: { opponents: 'minimax', illegalAction: 'resample' }, normalize: true },
    { game: 'Yahtzee', options: { illegalAction: 'penalize', maxEpisodeSteps: 30 }, normalize: true },
    { game: 'Yahtzee', options: { players: 3, opponents: 'greedy' }, normalize: false },
    { game: 'Echo', options: { maxEpisodeSteps: 4 }, check: { action: () => ({ msg: 'hello' }) }, normalize: false },
    { game: 'Chat', options: { maxEpisodeSteps: 4 }, normalize: false },
  ];
  for (const c of cases) {
    it(`${c.game} ${JSON.stringify(c.options ?? {})}${c.normalize ? ' normalized' : ''}, masked`, { timeout: 30_000 }, async () => {
      const factory = (): Env => {
        const made = makeEnv(c.game, { server: new GameFramework({ seed: 1 }), session: 'fixed', seed: 3, ...c.options });
        return new ActionMask(c.normalize ? new NormalizeObservation(made as unknown as Env<Float32Array, number>) : made) as Env;
      };
      const report = await checkEnv(factory, c.check);
      expect(report.passed).toContain('same seed, same episode');
      expect(report.passed).toContain('episode statistics at the end');
    });
  }
});
