import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RandomPolicy } from '../../src/env/bots.ts';
import { makeEnv, makeSelfPlayEnvs } from '../../src/env/env.ts';
import type { Policy } from '../../src/env/policy.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { GameFramework } from '../../src/server/framework.ts';
import { SeededRng } from '../../src/core/rng.ts';
import { initBackend } from '../tf/backend.ts';
import { AsyncVectorEnv } from '../../src/vector/async-vector.ts';
import type { LearnerSpec, LearnStats, TransitionBatch } from '../agent.ts';
import { loadModel } from '../tf/io.ts';
import { PPO_DEFAULTS, resolvePpoConfig, type PpoConfig } from './config.ts';
import { computeGae, PpoAgent } from './ppo.ts';

/**
 * PpoAgent: config checks, masking, the GAE arithmetic, learning on a fixed
 * rollout and on a contextual bandit, checkpoints that continue exactly, no
 * tensor leaks, self-play env ids arriving asynchronously, and a short run on
 * real TicTacToe envs against a random opponent.
 */

const agents: PpoAgent[] = [];
async function makeAgent(spec: Partial<LearnerSpec>, config: Partial<PpoConfig> = {}): Promise<PpoAgent> {
  const agent = await PpoAgent.create({ observationSize: 4, actionCount: 4, numEnvs: 1, seed: 0, ...spec }, config);
  agents.push(agent);
  return agent;
}

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'ppo-test-'));
});
afterAll(async () => {
  for (const agent of agents.splice(0)) agent.dispose();
  await rm(dir, { recursive: true, force: true });
});

const oneHot = (size: number, i: number): Float32Array => {
  const x = new Float32Array(size);
  x[i] = 1;
  return x;
};
const allLegal = (n: number): Uint8Array => new Uint8Array(n).fill(1);

/** A one-step transition batch (every episode ends at once). */
function oneStep(envIds: number[], observations: Float32Array[], masks: Uint8Array[], actions: number[], rewards: number[]): TransitionBatch {
  return {
    envIds,
    observations,
    masks,
    actions,
    rewards,
    nextObservations: observations,
    nextMasks: masks.map((m) => new Uint8Array(m.length)),
    terminated: envIds.map(() => true),
    truncated: envIds.map(() => false),
  };
}

describe('PPO config', () => {
  const spec: LearnerSpec = { observationSize: 4, actionCount: 3, numEnvs: 2, seed: 7 };

  it('fills every field from PPO_DEFAULTS, the seed from the spec', async () => {
    expect(PPO_DEFAULTS).toMatchObject({
      hidden: [128, 128],
      learningRate: 3e-4,
      gamma: 0.99,
      gaeLambda: 0.95,
      rolloutSteps: 128,
      epochs: 4,
      minibatches: 4,
      clip: 0.2,
      valueCoef: 0.5,
      entropyCoef: 0.01,
      maxGradNorm: 0.5,
      normalizeAdvantages: true,
      seed: 0,
    });
    expect(resolvePpoConfig(spec)).toEqual({ ...PPO_DEFAULTS, seed: 7 });
    expect(resolvePpoConfig(spec, { seed: 3, clip: 0.1, hidden: [] })).toEqual({ ...PPO_DEFAULTS, seed: 3, clip: 0.1, hidden: [] });
    const agent = await makeAgent(spec, { sharedTrunk: true, hidden: [8] });
    expect(agent.config).toEqual({ ...PPO_DEFAULTS, seed: 7, sharedTrunk: true, hidden: [8] });
    expect(agent.name).toBe('ppo');
  });

  it.each([
    [{ clip: 0 }, 'Expected clip to be a positive number, got 0'],
    [{ learningRate: -1 }, 'Expected learningRate to be a positive number, got -1'],
    [{ gamma: 1.5 }, 'Expected gamma to be a number from 0 to 1, got 1.5'],
    [{ gaeLambda: Number.NaN }, 'Expected gaeLambda to be a number from 0 to 1, got NaN'],
    [{ rolloutSteps: 2.5 }, 'Expected rolloutSteps to be a positive integer, got 2.5'],
    [{ epochs: 0 }, 'Expected epochs to be a positive integer, got 0'],
    [{ minibatches: 300 }, 'Expected minibatches to be at most numEnvs * rolloutSteps (256), got 300'],
    [{ hidden: [64, 0] }, 'Expected hidden to be a list of positive integers, got [64,0]'],
    [{ activation: 'sigmoid' }, 'Expected activation to be tanh or relu, got "sigmoid"'],
    [{ valueCoef: -0.5 }, 'Expected valueCoef to be a non-negative number, got -0.5'],
    [{ maxGradNorm: 0 }, 'Expected maxGradNorm to be a positive number, got 0'],
    [{ normalizeAdvantages: 'yes' }, 'Expected normalizeAdvantages to be a boolean, got "yes"'],
    [{ seed: 1.5 }, 'Expected seed to be an integer, got 1.5'],
    [{ clipRange: 0.2 }, 'Unknown PPO option "clipRange"'],
  ])('rejects %j', async (config, message) => {
    await expect(PpoAgent.create(spec, config as Partial<PpoConfig>)).rejects.toThrow(InvalidOptionError);
    await expect(PpoAgent.create(spec, config as Partial<PpoConfig>)).rejects.toThrow(message);
  });

  it('rejects a bad spec and bad inputs', async () => {
    await expect(PpoAgent.create({ ...spec, actionCount: 1 })).rejects.toThrow('Expected actionCount to be an integer of at least 2, got 1');
    await expect(PpoAgent.create({ ...spec, numEnvs: 0 })).rejects.toThrow('Expected numEnvs to be a positive integer, got 0');
    const agent = await makeAgent(spec, { hidden: [8] });
    expect(() => agent.act([new Float32Array(3)], [allLegal(3)])).toThrow('Expected observations of length 4, got 3');
    expect(() => agent.explore([new Float32Array(4)], [allLegal(3)], [2])).toThrow('Expected env ids from 0 to 1, got 2');
    const bad = oneStep([0, 1], [new Float32Array(4), new Float32Array(4)], [allLegal(3), allLegal(3)], [1, 3], [0, 0]);
    expect(() => agent.record(bad)).toThrow('Expected actions from 0 to 2, got 3');
    expect(agent.rollout.stored).toBe(0);
  });
});

describe('masked policy', () => {
  it('never picks an illegal action, exploring or greedy, over thousands of random masks', async () => {
    const A = 9;
    const agent = await makeAgent({ observationSize: 12, actionCount: A, numEnvs: 100 }, { hidden: [32, 32] });
    const rng = new SeededRng('masks');
    let explored = 0;
    const seen = new Set<number>();
    for (let round = 0; round < 30; round++) {
      const masks = Array.from({ length: 100 }, () => {
        const mask = Uint8Array.from({ length: A }, () => (rng.next() < 0.3 ? 1 : 0));
        mask[rng.int(0, A - 1)] = 1;
        return mask;
      });
      const observations = masks.map(() => Float32Array.from({ length: 12 }, () => rng.next() * 20 - 10));
      const ids = masks.map((_, k) => k);
      const sampled = agent.explore(observations, masks, ids);
      const greedy = agent.act(observations, masks);
      sampled.forEach((a, k) => {
        expect(masks[k]?.[a]).toBe(1);
        seen.add(a);
      });
      greedy.forEach((a, k) => expect(masks[k]?.[a]).toBe(1));
      explored += sampled.length;
      // The log-probs explore remembered sum to 1 over the legal actions only.
      const { logProbs } = agent.evaluate(observations.slice(0, 5), masks.slice(0, 5));
      logProbs.forEach((lp, k) => {
        const legal = Array.from(lp).reduce((s, x, a) => s + (masks[k]?.[a] ? Math.exp(x) : 0), 0);
        expect(legal).toBeCloseTo(1, 5);
      });
    }
    expect(explored).toBe(3000);
    expect(seen.size).toBe(A);
    // A single legal action is always taken; an all-zero mask allows every action.
    const only = Array.from({ length: 50 }, (_, k) => oneHot(A, k % A)).map((f) => Uint8Array.from(f));
    const obs = only.map(() => new Float32Array(12));
    expect(
      agent.explore(
        obs,
        only,
        obs.map((_, k) => k),
      ),
    ).toEqual(only.map((m) => m.indexOf(1)));
    const none = agent.explore([new Float32Array(12)], [new Uint8Array(A)], [0]);
    expect(none[0]).toBeGreaterThanOrEqual(0);
    expect(none[0]).toBeLessThan(A);
  });
});

describe("actDetails (collect's probs, logp, value)", () => {
  it("gives the policy's probabilities, the log-probability of the taken action and the critic's value in reward units", async () => {
    const agent = await makeAgent({ observationSize: 4, actionCount: 3, numEnvs: 1, seed: 2 }, { hidden: [8], rewardScale: 0.5 });
    const obs = [Float32Array.from([0.1, -0.2, 0.3, 1]), Float32Array.from([1, 0, 0, 0])];
    const masks = [Uint8Array.from([1, 0, 1]), allLegal(3)];
    const details = agent.actDetails(obs, masks, [2, 1]);
    const { logProbs, values } = agent.evaluate(obs, masks);
    details.forEach((d, k) => {
      expect(d.probs).toEqual(agent.probabilities(obs, masks)[k]);
      expect(d.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(d.value).toBeCloseTo((values[k] as number) / 0.5, 6);
    });
    expect(details[0]?.probs[1]).toBe(0);
    expect(details[0]?.logp).toBe(logProbs[0]?.[2]);
    expect(details[1]?.logp).toBeCloseTo(Math.log(details[1]?.probs[1] as number), 6);
    agent.dispose();
  });
});

describe('GAE', () => {
  const gamma = 0.9;
  const lambda = 0.8; // gamma * lambda = 0.72
  const rewards = [1, 0, 2, -1];
  const values = [0.5, 1.0, 1.5, 0.2];
  const none = [false, false, false, false];

  it('matches a hand-worked 4-step segment, bootstrapped from V(next) at the end', () => {
    // delta3 = -1 + 0.9*0.8 - 0.2 = -0.48                 A3 = -0.48
    // delta2 =  2 + 0.9*0.2 - 1.5 =  0.68                 A2 = 0.68 + 0.72*-0.48    = 0.3344
    // delta1 =  0 + 0.9*1.5 - 1.0 =  0.35                 A1 = 0.35 + 0.72*0.3344   = 0.590768
    // delta0 =  1 + 0.9*1.0 - 0.5 =  1.4                  A0 = 1.4 + 0.72*0.590768  = 1.82535296
    const { advantages, returns } = computeGae({ rewards, values, nextValues: [NaN, NaN, NaN, 0.8], terminated: none, truncated: none }, gamma, lambda);
    [-0.48, 0.3344, 0.590768, 1.82535296].reverse().forEach((a, t) => expect(advantages[t]).toBeCloseTo(a, 10));
    [2.32535296, 1.590768, 1.8344, -0.28].forEach((r, t) => expect(returns[t]).toBeCloseTo(r, 10));
  });

  it('stops at a terminal (no bootstrap, no carry-over from the next episode)', () => {
    // Terminal after step 1: delta1 = 0 - 1.0 = -1, A1 = -1; A0 = 1.4 + 0.72*-1 = 0.68; steps 2-3 as before.
    const a = computeGae({ rewards, values, nextValues: [NaN, NaN, NaN, 0.8], terminated: [false, true, false, false], truncated: none }, gamma, lambda);
    [0.68, -1, 0.3344, -0.48].forEach((x, t) => expect(a.advantages[t]).toBeCloseTo(x, 10));
    // Terminal at the last step: delta3 = -1 - 0.2 = -1.2, A2 = 0.68 + 0.72*-1.2 = -0.184.
    const b = computeGae({ rewards, values, nextValues: [NaN, NaN, NaN, 99], terminated: [false, false, false, true], truncated: none }, gamma, lambda);
    expect(b.advantages[3]).toBeCloseTo(-1.2, 10);
    expect(b.advantages[2]).toBeCloseTo(-0.184, 10);
  });

  it('bootstraps a truncation from V(next) and does not carry over', () => {
    // Truncated after step 1 with V(next) = 2: delta1 = 0 + 0.9*2 - 1 = 0.8, A1 = 0.8; A0 = 1.4 + 0.72*0.8 = 1.976.
    const { advantages } = computeGae({ rewards, values, nextValues: [NaN, 2, NaN, 0.8], terminated: none, truncated: [false, true, false, false] }, gamma, lambda);
    [1.976, 0.8, 0.3344, -0.48].forEach((x, t) => expect(advantages[t]).toBeCloseTo(x, 10));
  });

  it('the agent runs GAE per env over interleaved arrivals, with V(nextObservation) where a segment stops', async () => {
    const agent = await makeAgent({ observationSize: 4, actionCount: 2, numEnvs: 2 }, { hidden: [8], gamma, gaeLambda: lambda, rolloutSteps: 10 });
    const s = (i: number): Float32Array => Float32Array.from([i, i % 2, 1, -i / 4]);
    const m = allLegal(2);
    const step = (envId: number, from: number, to: number, reward: number, terminated = false, truncated = false): TransitionBatch => ({
      envIds: [envId],
      observations: [s(from)],
      masks: [m],
      actions: [from % 2],
      rewards: [reward],
      nextObservations: [s(to)],
      nextMasks: [m],
      terminated: [terminated],
      truncated: [truncated],
    });
    // env 0: 1 -> 2 -> 3 (terminal), then 4 -> 5 (open); env 1: 10 -> 11 (truncated), 12 -> 13 (open). Interleaved.
    agent.record(step(0, 1, 2, 0.5));
    agent.record(step(1, 10, 11, 1, false, true));
    agent.record(step(0, 2, 3, 1, true));
    agent.record(step(1, 12, 13, -1));
    agent.record(step(0, 4, 5, 0));
    const V = (i: number): number => agent.evaluate([s(i)], [m]).values[0] as number;
    const got = agent.advantages();
    const env0 = computeGae(
      { rewards: [0.5, 1, 0], values: [V(1), V(2), V(4)], nextValues: [NaN, NaN, V(5)], terminated: [false, true, false], truncated: [false, false, false] },
      gamma,
      lambda,
    );
    const env1 = computeGae({ rewards: [1, -1], values: [V(10), V(12)], nextValues: [V(11), V(13)], terminated: [false, false], truncated: [true, false] }, gamma, lambda);
    env0.advantages.forEach((a, t) => expect(got[0]?.advantages[t]).toBeCloseTo(a, 5));
    env1.advantages.forEach((a, t) => expect(got[1]?.advantages[t]).toBeCloseTo(a, 5));
    env1.returns.forEach((r, t) => expect(got[1]?.returns[t]).toBeCloseTo(r, 5));
    // A step whose next observation is not the next recorded one (a step left unrecorded) is bootstrapped too.
    agent.record(step(1, 20, 21, 0));
    const gap = agent.advantages()[1] as { advantages: number[] };
    expect(gap.advantages[1]).toBeCloseTo(-1 + gamma * V(13) - V(12), 5);
    expect(agent.rollout).toMatchObject({ stored: 6, perEnv: [3, 3], batchSize: 20 });
    expect(await agent.learn(6)).toBeNull();
  });
});

describe('learning', () => {
  it('on a fixed rollout, each epoch raises the probability of the high-advantage action and lowers the value error', async () => {
    const A = 4;
    const obs = Float32Array.from([1, 0, -1, 0.5]);
    const results: Array<{ p: number; v: number; stats: LearnStats }> = [];
    for (const epochs of [1, 2, 3, 4]) {
      // Same seed: the same sampled rollout, and epoch k's minibatches are a prefix of epoch k+1's run.
      const agent = await makeAgent({ observationSize: 4, actionCount: A, numEnvs: 1 }, { hidden: [16], rolloutSteps: 64, epochs, learningRate: 1e-3 });
      const before = agent.evaluate([obs], [allLegal(A)]);
      let rewardSum = 0;
      for (let t = 0; t < 64; t++) {
        const [a] = agent.explore([obs], [allLegal(A)], [0]);
        const reward = a === 2 ? 1 : 0;
        rewardSum += reward;
        agent.record(oneStep([0], [obs], [allLegal(A)], [a as number], [reward]));
      }
      // Every episode is one step: the value target is the rollout's mean reward.
      const target = rewardSum / 64;
      const stats = (await agent.learn(64)) as LearnStats;
      const after = agent.evaluate([obs], [allLegal(A)]);
      if (epochs === 1) results.push({ p: Math.exp(before.logProbs[0]?.[2] as number), v: Math.abs((before.values[0] as number) - target), stats });
      results.push({ p: Math.exp(after.logProbs[0]?.[2] as number), v: Math.abs((after.values[0] as number) - target), stats });
    }
    for (let k = 1; k < results.length; k++) {
      expect(results[k]?.p).toBeGreaterThan(results[k - 1]?.p as number);
      expect(results[k]?.v).toBeLessThan(results[k - 1]?.v as number);
    }
    expect(results[0]?.p).toBeCloseTo(0.25, 2);
    const last = results.at(-1)?.stats as LearnStats;
    expect(Object.keys(last)).toEqual(expect.arrayContaining(['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'clipFraction']));
    expect(last.approxKl).toBeGreaterThan(0);
    expect(last.entropy).toBeGreaterThan(0);
    expect(last.entropy).toBeLessThan(Math.log(A));
  });

  it('learns a one-step contextual bandit to > 90% greedy accuracy', { timeout: 30_000 }, async () => {
    const K = 4;
    const N = 8;
    const agent = await makeAgent({ observationSize: K, actionCount: K, numEnvs: N }, { hidden: [32, 32], rolloutSteps: 16, learningRate: 3e-3 });
    const rng = new SeededRng('bandit');
    const ids = Array.from({ length: N }, (_, i) => i);
    const masks = ids.map(() => allLegal(K));
    let updates = 0;
    while (updates < 15) {
      const observations = ids.map(() => oneHot(K, rng.int(0, K - 1)));
      const actions = agent.explore(observations, masks, ids);
      agent.record(
        oneStep(
          ids,
          observations,
          masks,
          actions,
          actions.map((a, k) => (observations[k]?.[a] ? 1 : 0)),
        ),
      );
      if (await agent.learn(0)) updates++;
    }
    const tests = Array.from({ length: 400 }, () => rng.int(0, K - 1));
    const greedy = agent.act(
      tests.map((c) => oneHot(K, c)),
      tests.map(() => allLegal(K)),
    );
    const accuracy = greedy.filter((a, i) => a === tests[i]).length / tests.length;
    expect(accuracy).toBeGreaterThan(0.9);
  });
});

/** A toy env script: obs one-hot of a random context, reward for matching it; returns everything the agent did. */
async function drive(agent: PpoAgent, rng: SeededRng, steps: number, numEnvs: number): Promise<{ actions: number[][]; stats: Array<LearnStats | null> }> {
  const out = { actions: [] as number[][], stats: [] as Array<LearnStats | null> };
  for (let t = 0; t < steps; t++) {
    // Varying subsets of envs, as an async vector delivers them.
    const ids = Array.from({ length: numEnvs }, (_, i) => i).filter(() => rng.next() < 0.7);
    if (ids.length === 0) continue;
    const observations = ids.map(() => oneHot(6, rng.int(0, 5)));
    const masks = ids.map(() => Uint8Array.from({ length: 5 }, (_, a) => (a === 0 || rng.next() < 0.6 ? 1 : 0)));
    const actions = agent.explore(observations, masks, ids);
    out.actions.push(actions);
    agent.record({
      ...oneStep(
        ids,
        observations,
        masks,
        actions,
        actions.map((a, k) => (observations[k]?.[a] ? 1 : 0)),
      ),
      nextObservations: ids.map(() => oneHot(6, rng.int(0, 5))),
      terminated: ids.map(() => rng.next() < 0.3),
      truncated: ids.map(() => rng.next() < 0.1),
    });
    out.stats.push(await agent.learn(t));
  }
  return out;
}

describe('checkpoints', () => {
  it('round-trips: identical greedy actions, config, and an identical continuation (rollout, Adam, rng)', async () => {
    const spec = { observationSize: 6, actionCount: 5, numEnvs: 3, seed: 4 };
    const config = { hidden: [16, 16], rolloutSteps: 8, minibatches: 3, learningRate: 1e-2 };
    const a = await makeAgent(spec, config);
    await drive(a, new SeededRng('warm-up'), 30, 3);
    expect(a.rollout.updates).toBeGreaterThan(1);
    // Mid-rollout, with an explore result waiting for its record.
    const pendingObs = [oneHot(6, 1), oneHot(6, 4)];
    const pendingActions = a.explore(pendingObs, [allLegal(5), allLegal(5)], [0, 2]);
    expect(a.rollout.stored).toBeGreaterThan(0);
    const saved = path.join(dir, 'ckpt');
    await a.save(saved);

    const b = await PpoAgent.fromCheckpoint(saved);
    agents.push(b);
    expect(b.config).toEqual(a.config);
    expect(b.rollout).toEqual(a.rollout);
    const rng = new SeededRng('probe');
    const probe = Array.from({ length: 64 }, () => Float32Array.from({ length: 6 }, () => rng.next() * 4 - 2));
    const probeMasks = probe.map(() => Uint8Array.from({ length: 5 }, (_, i) => (i === 1 || rng.next() < 0.5 ? 1 : 0)));
    expect(b.act(probe, probeMasks)).toEqual(a.act(probe, probeMasks));
    expect(b.evaluate(probe, probeMasks)).toEqual(a.evaluate(probe, probeMasks));

    // The saved layers model computes what the agent computes.
    const model = await loadModel(path.join(saved, 'policy'));
    const expected = tf.tidy(() => {
      const [logits] = model.predict(tf.tensor2d(probe.map((p) => Array.from(p)))) as tf.Tensor2D[];
      return tf.logSoftmax(logits as tf.Tensor2D).arraySync() as number[][];
    });
    model.dispose();
    const all = probe.map(() => allLegal(5));
    a.evaluate(probe, all).logProbs.forEach((lp, k) => lp.forEach((x, j) => expect(x).toBeCloseTo(expected[k]?.[j] as number, 5)));

    const finish = oneStep([0, 2], pendingObs, [allLegal(5), allLegal(5)], pendingActions, [1, 0]);
    a.record(finish);
    b.record(finish);
    const runA = await drive(a, new SeededRng('continue'), 40, 3);
    const runB = await drive(b, new SeededRng('continue'), 40, 3);
    expect(runA.stats.filter(Boolean).length).toBeGreaterThan(2);
    expect(runB).toEqual(runA);
    expect(b.evaluate(probe, probeMasks)).toEqual(a.evaluate(probe, probeMasks));

    // load() into an existing agent restores the same state.
    const c = await makeAgent(spec, { hidden: [16, 16] });
    await c.load(saved);
    expect(c.config).toEqual(a.config);
    await expect(c.load(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'E_CHECKPOINT' });
    const other = await makeAgent({ ...spec, actionCount: 4 });
    await expect(other.load(saved)).rejects.toThrow('actionCount 5');
  });
});

describe('memory', () => {
  it('leaks no tensors over 100 explore/record/learn/act iterations, and dispose frees everything', async () => {
    const base = tf.memory().numTensors;
    const agent = await PpoAgent.create({ observationSize: 6, actionCount: 5, numEnvs: 3, seed: 1 }, { hidden: [16], rolloutSteps: 4 });
    const rng = new SeededRng('leak');
    await drive(agent, rng, 5, 3);
    const start = tf.memory().numTensors;
    const { stats } = await drive(agent, rng, 100, 3);
    agent.act([oneHot(6, 2)], [allLegal(5)]);
    expect(stats.filter(Boolean).length).toBeGreaterThan(10);
    expect(tf.memory().numTensors).toBe(start);
    await agent.save(path.join(dir, 'leak'));
    await agent.load(path.join(dir, 'leak'));
    expect(tf.memory().numTensors).toBe(start);
    agent.dispose();
    expect(tf.memory().numTensors).toBe(base);
  });
});

describe('on real envs', () => {
  it('self-play: the two seats of a session are two env ids, arriving asynchronously', async () => {
    const server = new GameFramework({ seed: 3 });
    const envs = [0, 1].flatMap((p) => makeSelfPlayEnvs('TicTacToe', { server, seed: p }));
    const vector = new AsyncVectorEnv(envs, { batchSize: 1 });
    const agent = await makeAgent({ observationSize: 27, actionCount: 9, numEnvs: 4 }, { hidden: [16], rolloutSteps: 16 });
    const last = new Map<number, { obs: Float32Array; mask: Uint8Array; action: number }>();
    let recorded = 0;
    let updates = 0;
    const order: number[] = [];
    vector.asyncReset({ seed: 5 });
    try {
      while (updates < 3) {
        const batch = await vector.recv({ timeoutMs: 10_000 });
        const live: number[] = [];
        batch.envIds.forEach((id, k) => {
          order.push(id);
          const prev = last.get(id);
          const obs = batch.observations[k] as Float32Array;
          const mask = (batch.infos[k] as { actionMask: Uint8Array }).actionMask;
          // A result after an episode's end is a reset observation: it starts a new episode, it is no transition.
          if (prev) {
            agent.record({
              envIds: [id],
              observations: [prev.obs],
              masks: [prev.mask],
              actions: [prev.action],
              rewards: [batch.rewards[k] as number],
              nextObservations: [obs],
              nextMasks: [mask],
              terminated: [batch.terminated[k] === 1],
              truncated: [batch.truncated[k] === 1],
            });
            recorded++;
          }
          last.delete(id);
          if (!batch.terminated[k] && !batch.truncated[k]) live.push(k);
        });
        const actions = batch.envIds.map(() => 0);
        const chosen = agent.explore(
          live.map((k) => batch.observations[k] as Float32Array),
          live.map((k) => (batch.infos[k] as { actionMask: Uint8Array }).actionMask),
          live.map((k) => batch.envIds[k] as number),
        );
        live.forEach((k, j) => {
          actions[k] = chosen[j] as number;
          last.set(batch.envIds[k] as number, {
            obs: batch.observations[k] as Float32Array,
            mask: (batch.infos[k] as { actionMask: Uint8Array }).actionMask,
            action: chosen[j] as number,
          });
        });
        vector.send(actions, batch.envIds);
        if (await agent.learn(recorded)) updates++;
      }
    } finally {
      await vector.close();
      server.close();
    }
    expect(new Set(order)).toEqual(new Set([0, 1, 2, 3]));
    expect(recorded).toBeGreaterThanOrEqual(64 * 3);
  }, 30_000);

  it('TicTacToe vs random: ~20k env steps of 8 lock-step envs, then greedy clearly beats random play', async () => {
    const N = 8;
    const server = new GameFramework({ seed: 1 });
    const started = performance.now();
    const agent = await makeAgent({ observationSize: 27, actionCount: 9, numEnvs: N }, SMOKE_CONFIG);
    const vector = new AsyncVectorEnv(Array.from({ length: N }, (_, i) => makeEnv('TicTacToe', { server, seed: i })));
    const ids = Array.from({ length: N }, (_, i) => i);
    let steps = 0;
    try {
      let { observations, infos } = await vector.reset({ seed: 0 });
      let masks = infos.map((info) => info.actionMask);
      let done = ids.map(() => false);
      while (steps < 20_000) {
        // Envs that just ended get a dummy action: the vector resets them and ignores it.
        const live = ids.filter((i) => !done[i]);
        const chosen = agent.explore(
          live.map((i) => observations[i] as Float32Array),
          live.map((i) => masks[i] as Uint8Array),
          live,
        );
        const actions = ids.map(() => 0);
        live.forEach((i, k) => (actions[i] = chosen[k] as number));
        const r = await vector.step(actions);
        // Only live envs made a transition; a reset observation is not recorded.
        agent.record({
          envIds: live,
          observations: live.map((i) => observations[i] as Float32Array),
          masks: live.map((i) => masks[i] as Uint8Array),
          actions: chosen,
          rewards: live.map((i) => r.rewards[i] as number),
          nextObservations: live.map((i) => r.observations[i] as Float32Array),
          nextMasks: live.map((i) => (r.infos[i] as { actionMask: Uint8Array }).actionMask),
          terminated: live.map((i) => r.terminated[i] === 1),
          truncated: live.map((i) => r.truncated[i] === 1),
        });
        steps += live.length;
        done = ids.map((i) => r.terminated[i] === 1 || r.truncated[i] === 1);
        observations = r.observations;
        masks = r.infos.map((info) => info.actionMask);
        await agent.learn(steps);
      }
    } finally {
      await vector.close();
    }
    const trained = performance.now();
    const greedy = await winRate(agent, server, 200);
    const random = await winRate(new RandomPolicy(9), server, 200);
    server.close();
    console.log(
      `PPO TicTacToe vs random: ${steps} env steps, ${agent.rollout.updates} updates in ${((trained - started) / 1000).toFixed(1)} s; ` +
        `greedy win rate ${greedy.toFixed(3)} over 200 games (random policy in the same seats: ${random.toFixed(3)})`,
    );
    expect(greedy).toBeGreaterThan(0.65);
    expect(greedy).toBeGreaterThan(random + 0.15);
  }, 120_000);
});

/** The smoke run's config: smaller than the defaults so that the run fits a test's time. */
const SMOKE_CONFIG: Partial<PpoConfig> = { hidden: [64, 64], learningRate: 1e-3 };

/** Share of `games` TicTacToe games a policy wins against the random opponent (8 lock-step envs, seats as the server deals them). */
async function winRate(policy: Policy, server: GameFramework, games: number): Promise<number> {
  const N = 8;
  const vector = new AsyncVectorEnv(Array.from({ length: N }, (_, i) => makeEnv('TicTacToe', { server, seed: 1000 + i })));
  let wins = 0;
  let played = 0;
  try {
    let { observations, infos } = await vector.reset({ seed: 1000 });
    let masks = infos.map((info) => info.actionMask);
    let done = new Array<boolean>(N).fill(false);
    while (played < games) {
      const actions = await policy.act(observations, masks);
      const r = await vector.step(done.map((d, i) => (d ? 0 : (actions[i] as number))));
      for (let i = 0; i < N; i++) {
        if (!done[i] && (r.terminated[i] || r.truncated[i]) && played < games) {
          played++;
          if (r.infos[i]?.episode?.outcome === 'win') wins++;
        }
      }
      done = r.terminated.length ? Array.from(r.terminated, (t, i) => t === 1 || r.truncated[i] === 1) : done;
      observations = r.observations;
      masks = r.infos.map((info) => info.actionMask);
    }
  } finally {
    await vector.close();
  }
  return wins / games;
}
