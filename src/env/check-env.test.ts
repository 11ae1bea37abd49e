import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { GameFramework } from '../server/framework.ts';
import { GameServer } from '../server/server.ts';
import { checkEnv, EnvCheckError, type CheckEnvOptions } from './check-env.ts';
import { makeEnv, type Env, type EnvOptions, type StepInfo, type StepResult } from './env.ts';

interface Case {
  label: string;
  game: string;
  options: EnvOptions<any, any>;
  check?: CheckEnvOptions;
  /** Fewer episodes over TCP where one takes long. */
  tcpEpisodes?: number;
}

const CASES: Case[] = [
  { label: 'TicTacToe vs random', game: 'TicTacToe', options: { opponents: 'random' } },
  { label: 'TicTacToe vs minimax', game: 'TicTacToe', options: { opponents: 'minimax' } },
  { label: 'Yahtzee solo', game: 'Yahtzee', options: {} },
  { label: 'Yahtzee 3 players vs greedy', game: 'Yahtzee', options: { players: 3, opponents: 'greedy' }, tcpEpisodes: 2 },
  // Echo refuses {} (it needs a msg) and neither raw game ends by itself: truncate, and say what to send.
  { label: 'Echo raw', game: 'Echo', options: { maxEpisodeSteps: 4 }, check: { action: () => ({ msg: 'hello' }) } },
  { label: 'Chat raw', game: 'Chat', options: { maxEpisodeSteps: 4 } },
];

const ALL_CHECKS = [
  'spaces',
  'step before reset is refused',
  'observations are in the observation space',
  'info has an action mask',
  'rewards are finite numbers',
  'terminated and truncated are kept apart',
  'no illegal moves from masked actions',
  'episode statistics at the end',
  'step after the end is refused',
  'episodes end',
];

const servers: GameServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('checkEnv passes on every built-in adapter', () => {
  describe('in process, with the determinism check (a factory)', () => {
    for (const c of CASES) {
      it(c.label, { timeout: 30_000 }, async () => {
        const report = await checkEnv(() => makeEnv(c.game, { server: new GameFramework({ seed: 1 }), session: 'fixed', seed: 3, ...c.options }), c.check);
        expect(report.episodes).toBe(5);
        expect(report.steps).toBeGreaterThan(0);
        expect(report.passed).toEqual(expect.arrayContaining([...ALL_CHECKS, 'same seed, same episode']));
      });
    }
  });

  describe("over TCP ('embedded-tcp', an env: no determinism check)", () => {
    for (const c of CASES) {
      it(c.label, { timeout: 30_000 }, async () => {
        const env = makeEnv(c.game, { server: 'embedded-tcp', session: `check-${randomBytes(4).toString('hex')}`, seed: 3, ...c.options });
        try {
          const report = await checkEnv(env, { ...c.check, episodes: c.tcpEpisodes ?? 5 });
          expect(report.passed).toEqual(expect.arrayContaining(ALL_CHECKS));
          expect(report.passed).not.toContain('same seed, same episode');
        } finally {
          await env.close();
        }
      });
    }
  });

  it('over TCP with the determinism check: a fresh seeded server per env', { timeout: 30_000 }, async () => {
    const factory = async (): Promise<Env<Float32Array, number>> => {
      const server = await GameServer.start({ port: 0, seed: 1 });
      servers.push(server);
      return makeEnv('TicTacToe', { server: `${server.address.host}:${server.address.port}`, session: 'fixed', seed: 3 });
    };
    const report = await checkEnv(factory, { episodes: 3 });
    expect(report.passed).toContain('same seed, same episode');
  });
});

/** An env wrapper that lets a test break one thing. */
class Broken<Obs, Act> implements Env<Obs, Act> {
  constructor(
    readonly inner: Env<Obs, Act>,
    private readonly hooks: {
      observation?: (obs: Obs) => Obs;
      result?: (r: StepResult<Obs>) => StepResult<Obs>;
      info?: (info: StepInfo) => StepInfo;
    },
  ) {}
  get observationSpace() {
    return this.inner.observationSpace;
  }
  get actionSpace() {
    return this.inner.actionSpace;
  }
  async reset(options?: { seed?: number }) {
    const r = await this.inner.reset(options);
    return { observation: this.hooks.observation?.(r.observation) ?? r.observation, info: this.hooks.info?.(r.info) ?? r.info };
  }
  async step(action: Act) {
    let r = await this.inner.step(action);
    if (this.hooks.observation) r = { ...r, observation: this.hooks.observation(r.observation) };
    if (this.hooks.info) r = { ...r, info: this.hooks.info(r.info) };
    return this.hooks.result?.(r) ?? r;
  }
  render() {
    return this.inner.render();
  }
  close() {
    return this.inner.close();
  }
}

async function failures(envOrFactory: Parameters<typeof checkEnv>[0], options?: CheckEnvOptions): Promise<string[]> {
  try {
    await checkEnv(envOrFactory, options);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvCheckError);
    const e = error as EnvCheckError;
    expect(e.code).toBe('E_ENV_CHECK');
    expect(e.message).toContain(`failed ${e.failures.length} check(s)`);
    for (const f of e.failures) expect(e.message).toContain(f);
    return e.failures;
  }
  throw new Error('checkEnv passed a broken env');
}

describe('checkEnv finds broken envs', () => {
  it('observations outside the space', async () => {
    const env = new Broken(makeEnv('TicTacToe', { seed: 1 }), { observation: (o) => o.map((v) => v * 2) });
    const found = await failures(env, { episodes: 2 });
    // One entry per offending observation (all of them here), and nothing else.
    expect(new Set(found)).toEqual(new Set(['observations are in the observation space: an observation is outside observationSpace']));
    expect(found.length).toBeGreaterThanOrEqual(8);
    await env.close();
  });

  it('terminated and truncated together at the end', async () => {
    const env = new Broken(makeEnv('TicTacToe', { seed: 1 }), { result: (r) => (r.terminated ? { ...r, truncated: true } : r) });
    const found = await failures(env, { episodes: 2 });
    // Once per episode end.
    expect(found).toEqual(['terminated and truncated are kept apart: both were true in one step', 'terminated and truncated are kept apart: both were true in one step']);
    await env.close();
  });

  it('several failures at once: missing episode statistics, non-finite rewards, no step-before-reset refusal', async () => {
    const inner = makeEnv('Yahtzee', { seed: 1 });
    let started = false;
    const env = new Broken(inner, {
      info: (info) => ({ ...info, episode: undefined }),
      result: (r) => (r.terminated ? { ...r, reward: Number.NaN } : r),
    });
    // Swallows the ClientStateError of a step before reset.
    const lax: Env<Float32Array, number> = Object.assign(Object.create(env) as Broken<Float32Array, number>, {
      step: async (action: number) => {
        if (!started) return { observation: new Float32Array(61), reward: 0, terminated: false, truncated: false, info: {} as StepInfo };
        return env.step(action);
      },
      reset: async (options?: { seed?: number }) => {
        started = true;
        return env.reset(options);
      },
    });
    const found = await failures(lax, { episodes: 1 });
    expect(found).toEqual([
      'step before reset is refused: step() before reset() must throw ClientStateError',
      'rewards are finite numbers: got reward NaN',
      'episode statistics at the end: info.episode is missing at the end of an episode',
    ]);
    await inner.close();
  });

  it('masks that let illegal moves through', async () => {
    // Every cell marked legal; the server refuses occupied ones and the env penalizes (ending the episode).
    const env = new Broken(makeEnv('TicTacToe', { seed: 1, illegalAction: 'penalize' }), {
      info: (info) => ({ ...info, actionMask: info.actionMask.some((v) => v === 1) ? new Uint8Array(9).fill(1) : info.actionMask }),
    });
    const found = await failures(env, { episodes: 20 });
    expect(found.some((f) => f.startsWith('no illegal moves from masked actions: the server refused a masked action'))).toBe(true);
    await env.close();
  });

  it('two envs made the same way that play different episodes', async () => {
    // The shared embedded server has a random seed and each env a fresh session: the dice differ.
    const found = await failures(() => makeEnv('Yahtzee', { seed: 3 }), { episodes: 1 });
    expect(found).toEqual(['same seed, same episode: two envs made the same way and seeded the same diverged']);
  });
});
