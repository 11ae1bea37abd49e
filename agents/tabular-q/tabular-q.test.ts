import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeEnv } from '../../src/env/env.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { GameFramework } from '../../src/server/framework.ts';
import { SeededRng } from '../../src/core/rng.ts';
import { AsyncVectorEnv } from '../../src/vector/async-vector.ts';
import type { Learner, LearnerSpec, TransitionBatch } from '../agent.ts';
import { emptyBatch, expectSameAgent, LocalGame, maskOf, obsOf, play, simulate, vector, type Results } from '../testing/learners.ts';
import { resolveTabularQConfig, TABULAR_Q_DEFAULTS } from './config.ts';
import { observationKey, TabularQAgent } from './tabular-q.ts';

const SPEC: LearnerSpec = { observationSize: 27, actionCount: 9, numEnvs: 4, seed: 1 };
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tabular-q-'));
  dirs.push(dir);
  return dir;
}

/** The adapter's observation of a board written as 9 chars: 'x' mine, 'o' theirs, '.' empty. */

describe('TabularQAgent config', () => {
  it('fills in defaults', () => {
    expect(resolveTabularQConfig()).toEqual(TABULAR_Q_DEFAULTS);
    expect(TabularQAgent.create(SPEC, { alpha: 0.1 }).config).toEqual({ ...TABULAR_Q_DEFAULTS, alpha: 0.1 });
  });

  it.each([
    [{ alpha: 0 }, 'Expected alpha to be a number in (0, 1], got 0'],
    [{ alpha: 1.5 }, 'Expected alpha to be a number in (0, 1], got 1.5'],
    [{ gamma: -0.1 }, 'Expected gamma to be a number in [0, 1], got -0.1'],
    [{ initialQ: Number.POSITIVE_INFINITY }, 'Expected initialQ to be a finite number, got Infinity'],
    [{ epsilonStart: 2 }, 'Expected epsilonStart to be a number in [0, 1], got 2'],
    [{ epsilonEnd: '0.1' }, 'Expected epsilonEnd to be a number in [0, 1], got "0.1"'],
    [{ epsilonDecaySteps: 1.5 }, 'Expected epsilonDecaySteps to be a non-negative integer, got 1.5'],
    [{ learningRate: 0.1 }, 'Unknown tabular-q option "learningRate"; expected one of alpha, gamma, initialQ, epsilonStart, epsilonEnd, epsilonDecaySteps, epsilonDecayFraction'],
  ])('rejects %j', (config, message) => {
    expect(() => TabularQAgent.create(SPEC, config as never)).toThrow(new InvalidOptionError(message));
  });

  it('rejects a bad spec', () => {
    expect(() => TabularQAgent.create({ ...SPEC, actionCount: 0 })).toThrow(new InvalidOptionError('Expected actionCount to be a positive integer, got 0'));
    expect(() => TabularQAgent.create({ ...SPEC, seed: Number.NaN })).toThrow(InvalidOptionError);
  });
});

describe('TabularQAgent actions', () => {
  it('never picks a masked action, exploring or greedy', () => {
    const agent = TabularQAgent.create(SPEC, { epsilonStart: 0.5, epsilonEnd: 0.5 });
    const rng = new SeededRng('masks');
    const boards = ['.........', 'x...o....', 'xo.......', 'xoxo.....', 'xxoo.x.o.'];
    for (let n = 0; n < 5000; n++) {
      const board = boards[n % boards.length] as string;
      const mask = Uint8Array.from({ length: 9 }, () => (rng.next() < 0.3 ? 1 : 0));
      mask[rng.int(0, 8)] = 1;
      const [explored] = agent.explore([obsOf(board)], [mask], [0]) as number[];
      const [greedy] = agent.act([obsOf(board)], [mask]) as number[];
      expect(mask[explored as number]).toBe(1);
      expect(mask[greedy as number]).toBe(1);
      // Random updates make the values differ, so greedy choices are not just the lowest legal action.
      const batch = emptyBatch();
      batch.envIds.push(0);
      batch.observations.push(obsOf(board));
      batch.masks.push(mask);
      batch.actions.push(rng.int(0, 8));
      batch.rewards.push(rng.next() * 2 - 1);
      batch.nextObservations.push(obsOf(boards[rng.int(0, boards.length - 1)] as string));
      batch.nextMasks.push(mask);
      batch.terminated.push(rng.next() < 0.3);
      batch.truncated.push(false);
      agent.record(batch);
    }
    expect(agent.explore([obsOf('.........')], [new Uint8Array(9)], [0])).toEqual([0]);
    expect(agent.act([obsOf('.........')], [new Uint8Array(9)])).toEqual([0]);
  });

  it('explores uniformly at epsilon 1 and greedily at epsilon 0', () => {
    const board = 'xo.......';
    const greedyAgent = TabularQAgent.create(SPEC, { epsilonStart: 0, epsilonEnd: 0, initialQ: 0 });
    const batch = emptyBatch();
    batch.envIds.push(0, 0);
    batch.observations.push(obsOf(board), obsOf(board));
    batch.masks.push(maskOf(board), maskOf(board));
    batch.actions.push(5, 2);
    batch.rewards.push(1, -1);
    batch.nextObservations.push(obsOf(board), obsOf(board));
    batch.nextMasks.push(new Uint8Array(9), new Uint8Array(9));
    batch.terminated.push(true, true);
    batch.truncated.push(false, false);
    greedyAgent.record(batch);
    const picks = new Set<number>();
    for (let n = 0; n < 200; n++) picks.add((greedyAgent.explore([obsOf(board)], [maskOf(board)], [0]) as number[])[0] as number);
    expect([...picks]).toEqual([5]);
    // Greedy act on an unseen observation: the lowest legal action; exploring greedily breaks the tie at random.
    const fresh = TabularQAgent.create(SPEC, { epsilonStart: 0, epsilonEnd: 0 });
    expect(fresh.act([obsOf(board)], [maskOf(board)])).toEqual([2]);
    const ties = new Set<number>();
    for (let n = 0; n < 300; n++) ties.add((fresh.explore([obsOf(board)], [maskOf(board)], [0]) as number[])[0] as number);
    expect([...ties].sort()).toEqual([2, 3, 4, 5, 6, 7, 8]);
    const uniform = TabularQAgent.create(SPEC, { epsilonStart: 1, epsilonEnd: 1 });
    const counts = new Array<number>(9).fill(0);
    for (let n = 0; n < 7000; n++) {
      const a = (uniform.explore([obsOf(board)], [maskOf(board)], [0]) as number[])[0] as number;
      counts[a] = (counts[a] as number) + 1;
    }
    expect(counts.slice(0, 2)).toEqual([0, 0]);
    for (const c of counts.slice(2)) expect(c / 7000).toBeCloseTo(1 / 7, 1);
  });

  it('lowers epsilon linearly over recorded transitions', () => {
    const agent = TabularQAgent.create(SPEC, { epsilonStart: 1, epsilonEnd: 0.2, epsilonDecaySteps: 8 });
    const one = (): TransitionBatch => {
      const batch = emptyBatch();
      batch.envIds.push(0);
      batch.observations.push(obsOf('.........'));
      batch.masks.push(maskOf('.........'));
      batch.actions.push(0);
      batch.rewards.push(0);
      batch.nextObservations.push(obsOf('x...o....'));
      batch.nextMasks.push(maskOf('x...o....'));
      batch.terminated.push(false);
      batch.truncated.push(false);
      return batch;
    };
    expect(agent.epsilon).toBe(1);
    for (let n = 0; n < 4; n++) agent.record(one());
    expect(agent.epsilon).toBeCloseTo(0.6, 12);
    for (let n = 0; n < 4; n++) agent.record(one());
    expect(agent.epsilon).toBeCloseTo(0.2, 12);
    for (let n = 0; n < 10; n++) agent.record(one());
    expect(agent.epsilon).toBeCloseTo(0.2, 12);
    expect(agent.steps).toBe(18);
    expect(TabularQAgent.create(SPEC, { epsilonDecaySteps: 0, epsilonEnd: 0.3 }).epsilon).toBe(0.3);
  });
});

describe('TabularQAgent updates', () => {
  // s0 (empty board) --4--> s1 ('o...x....', reward 0) --2--> end (reward +1). alpha 1/2, gamma 3/4: every number is exact in Float32.
  const s0 = '.........';
  const s1 = 'o...x....';
  function transition(batch: TransitionBatch, from: string, action: number, reward: number, to: string, end: 'none' | 'terminated' | 'truncated', nextMask?: Uint8Array): void {
    batch.envIds.push(batch.envIds.length);
    batch.observations.push(obsOf(from));
    batch.masks.push(maskOf(from));
    batch.actions.push(action);
    batch.rewards.push(reward);
    batch.nextObservations.push(obsOf(to));
    batch.nextMasks.push(nextMask ?? (end === 'none' ? maskOf(to) : new Uint8Array(9)));
    batch.terminated.push(end === 'terminated');
    batch.truncated.push(end === 'truncated');
  }
  const episode = (): TransitionBatch => {
    const batch = emptyBatch();
    transition(batch, s0, 4, 0, s1, 'none');
    transition(batch, s1, 2, 1, 'o.x.x....', 'terminated');
    return batch;
  };

  it('matches a hand-worked example', async () => {
    const agent = TabularQAgent.create(SPEC, { alpha: 0.5, gamma: 0.75, initialQ: 0 });
    // First pass, in batch order: Q(s0,4) = 0 + 1/2 (0 + 3/4 * max Q(s1,.) = 0 - 0) = 0; Q(s1,2) = 0 + 1/2 (1 - 0) = 1/2.
    agent.record(episode());
    expect(Array.from(agent.qValues(obsOf(s0)))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(agent.qValues(obsOf(s1)))).toEqual([0, 0, 0.5, 0, 0, 0, 0, 0, 0]);
    expect(await agent.learn(2)).toEqual({ updates: 2, meanAbsTdError: 0.5, epsilon: agent.epsilon, tableSize: 2 });
    expect(await agent.learn(2)).toBeNull();
    // Second pass: Q(s0,4) = 0 + 1/2 (0 + 3/4 * 1/2 - 0) = 3/16; Q(s1,2) = 1/2 + 1/2 (1 - 1/2) = 3/4.
    agent.record(episode());
    expect(agent.qValues(obsOf(s0))[4]).toBe(0.1875);
    expect(agent.qValues(obsOf(s1))[2]).toBe(0.75);
    expect(await agent.learn(4)).toEqual({ updates: 2, meanAbsTdError: (0.375 + 0.5) / 2, epsilon: agent.epsilon, tableSize: 2 });

    // The max runs over the next state's legal actions only: with cell 2 masked, max Q(s1,.) = 0.
    const masked = emptyBatch();
    transition(masked, s0, 4, 0, s1, 'none', Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0, 0]));
    agent.record(masked);
    expect(agent.qValues(obsOf(s0))[4]).toBe(0.09375); // 3/16 + 1/2 (0 - 3/16)
    // Truncation bootstraps (its mask is all zeros: max over every action, 3/4).
    const truncated = emptyBatch();
    transition(truncated, s0, 4, 0, s1, 'truncated');
    agent.record(truncated);
    expect(agent.qValues(obsOf(s0))[4]).toBe(0.328125); // 3/32 + 1/2 (3/4 * 3/4 - 3/32)
    // Termination does not.
    const terminated = emptyBatch();
    transition(terminated, s0, 4, -1, s1, 'terminated');
    agent.record(terminated);
    expect(agent.qValues(obsOf(s0))[4]).toBe(-0.3359375); // 21/64 + 1/2 (-1 - 21/64)
    expect(agent.tableSize).toBe(2);
  });

  it('starts unseen entries, and unseen next states, at initialQ', () => {
    const agent = TabularQAgent.create(SPEC, { alpha: 1, gamma: 0.5, initialQ: 0.5 });
    expect(Array.from(agent.qValues(obsOf(s0)))).toEqual(new Array(9).fill(0.5));
    const batch = emptyBatch();
    transition(batch, s0, 0, 0, s1, 'none');
    agent.record(batch);
    expect(Array.from(agent.qValues(obsOf(s0)))).toEqual([0.25, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(agent.tableSize).toBe(1);
    expect(observationKey(obsOf(s0))).not.toBe(observationKey(obsOf(s1)));
  });
});

describe('TabularQAgent on TicTacToe', () => {
  const server = new GameFramework({ seed: 2 });
  const agent = TabularQAgent.create({ ...SPEC, numEnvs: 6 }, { alpha: 0.5, epsilonDecaySteps: 10_000, epsilonEnd: 0.1 });
  const train = vector(server, 'tabular-q-train', 6, 3);
  const evaluation = vector(server, 'tabular-q-eval', 8, 8);
  afterAll(async () => {
    await Promise.all([train.close(), evaluation.close()]);
  });

  it('beats the random player after 4,000 games', async () => {
    const trained = await play(train, agent, 4000, true, 1);
    const after = await play(evaluation, agent, 500, false, 200);
    const rate = (r: Results): string => `${(r.wins / r.games).toFixed(3)} W / ${(r.draws / r.games).toFixed(3)} D / ${(r.losses / r.games).toFixed(3)} L`;
    console.log(`Tabular Q vs random: training (${trained.games} games) ${rate(trained)}; greedy after ${rate(after)}; ${agent.tableSize} states`);
    // The random player wins ~43% of games against itself here (it moves first half the time).
    expect(after.wins / after.games).toBeGreaterThan(0.7);
  }, 120_000);

  it('round-trips a checkpoint: identical greedy actions and an identical continuation', async () => {
    const dir = await tempDir();
    const games = [1, 2, 3].map((i) => new LocalGame(new SeededRng(`game-${i}`)));
    for (const g of games) g.reset();
    await simulate(agent, games, 7);
    await agent.save(dir);
    expect(JSON.parse(await readFile(path.join(dir, 'agent.json'), 'utf8'))).toMatchObject({ agent: 'tabular-q', version: 2, config: agent.config, learnerState: true });
    const loaded = await TabularQAgent.fromCheckpoint(dir);
    expect(loaded.config).toEqual(agent.config);
    expect(loaded.tableSize).toBe(agent.tableSize);
    expect(loaded.steps).toBe(agent.steps);

    const { boards, masks, savedDir: dirA } = await expectSameAgent(agent, loaded, games, ['policy/table.json', 'learner/state.json'], tempDir);
    // Loading into an existing agent replaces its state too.
    const other = TabularQAgent.create(SPEC, { alpha: 0.1 });
    await other.load(dirA);
    expect(other.config).toEqual(agent.config);
    expect(other.act(boards, masks)).toEqual(agent.act(boards, masks));
  }, 30_000);

  it('refuses a checkpoint of another agent', async () => {
    const dir = await tempDir();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'agent.json'), JSON.stringify({ agent: 'menace', version: 2 }));
    await expect(TabularQAgent.fromCheckpoint(dir)).rejects.toThrow(/holds a "menace" agent, not tabular-q/);
    await writeFile(path.join(dir, 'agent.json'), JSON.stringify({ agent: 'tabular-q', version: 1 }));
    await expect(TabularQAgent.fromCheckpoint(dir)).rejects.toMatchObject({ code: 'E_CHECKPOINT', message: expect.stringMatching(/version 1 checkpoint/) });
  });
});
