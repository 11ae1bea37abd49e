import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransitionBatch } from '../agent.ts';
import { findGame } from '../../src/games/registry.ts';
import { createLearner } from '../training/registry.ts';
import { train } from '../training/trainer.ts';
import { packExperience, unpackExperience } from './experience.ts';
import { actorExperience } from './train-actors.ts';
import { spawnCli } from '../testing/distributed.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'gsg-train-actors-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('experience in compact binary', () => {
  it('packs transitions and episode ends into one Buffer and back, about 4 bytes per number', () => {
    const o = 3;
    const a = 2;
    const batch: TransitionBatch = {
      envIds: [0, 5],
      observations: [Float32Array.of(1, 2, 3), Float32Array.of(4, 5, 6)],
      masks: [Uint8Array.of(1, 0), Uint8Array.of(1, 1)],
      actions: [0, 1],
      rewards: [0, -1],
      nextObservations: [Float32Array.of(7, 8, 9), Float32Array.of(0.5, 0.25, 0)],
      nextMasks: [Uint8Array.of(0, 1), Uint8Array.of(0, 0)],
      terminated: [false, true],
      truncated: [false, false],
    };
    const ends = [{ return: -1, length: 4, outcome: 'loss' }];
    const packed = packExperience({ version: 7, batch, ends }, o, a);
    // 28 header + per transition (1 reward + 6 observation floats, 2 ints, 1 flag + 4 mask bytes) + one episode (2 floats, "loss").
    expect(packed.byteLength).toBe(28 + 2 * (7 * 4 + 8 + 5) + 8 + 4);
    // From a Buffer at an odd offset, as a socket may hand it over.
    const shifted = Buffer.concat([Buffer.from([9]), packed]).subarray(1);
    const back = unpackExperience(shifted, o, a);
    expect(back.version).toBe(7);
    expect(back.ends).toEqual(ends);
    expect({
      ...back.batch,
      observations: back.batch.observations.map((x) => [...x]),
      nextObservations: back.batch.nextObservations.map((x) => [...x]),
      masks: back.batch.masks.map((x) => [...x]),
      nextMasks: back.batch.nextMasks.map((x) => [...x]),
    }).toEqual({
      ...batch,
      observations: [
        [1, 2, 3],
        [4, 5, 6],
      ],
      nextObservations: [
        [7, 8, 9],
        [0.5, 0.25, 0],
      ],
      masks: [
        [1, 0],
        [1, 1],
      ],
      nextMasks: [
        [0, 1],
        [0, 0],
      ],
    });
    expect(() => unpackExperience(packed, 4, a)).toThrow('Experience for observations of length 3 and 2 actions, expected 4 and 2');
    expect(() => unpackExperience(Buffer.from('{"json":1}'), o, a)).toThrow('Not an experience batch');
  });
});

describe('train --actors', () => {
  it('trains DQN on TicTacToe vs random from 2 actor processes: it learns (exact rates) and reports the policy lag', async () => {
    const agentConfig = { explorationSteps: 2_000, learningStarts: 500 };
    const config = {
      game: 'TicTacToe',
      agent: 'dqn' as const,
      envs: 8,
      steps: 4_000,
      evalEvery: 4_000,
      evalGames: 50,
      evalOpponents: ['random'],
      logEvery: 1_000,
      out: root,
      runName: 'actors',
      agentConfig,
    };
    const lines: string[] = [];
    const result = await train(config, { progress: false, log: (l) => lines.push(l), experience: actorExperience({ actors: 2, publishMs: 100 }) });
    expect(result.envSteps).toBeGreaterThanOrEqual(4_000);
    expect(lines.join('\n')).toMatch(/2 actor processes \(pids \d+, \d+\), 8 sessions each/);
    // Measured exactly (a game-tree walk of the greedy policy), against the same network untrained.
    const exact = findGame('TicTacToe')?.exactEvaluations?.random;
    const untrained = await createLearner('dqn', { observationSize: 27, actionCount: 9, numEnvs: 8, seed: 1 }, agentConfig);
    const before = await (exact as NonNullable<typeof exact>)(untrained);
    untrained.dispose();
    const after = result.finalEval[0]?.exact as NonNullable<(typeof result.finalEval)[number]['exact']>;
    expect(after.winRate - after.lossRate).toBeGreaterThan(before.winRate - before.lossRate + 0.1);
    const rows = (await readFile(path.join(result.runDir, 'metrics.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; learner?: Record<string, number> });
    const logged = rows.filter((r) => r.type === 'train');
    expect(logged.length).toBeGreaterThanOrEqual(3);
    for (const r of logged) {
      expect(r.learner?.policyLag).toBeGreaterThanOrEqual(0);
      expect(r.learner?.weightsVersion).toBeGreaterThanOrEqual(1);
    }
    // Weights were published during the run and the actors acted with them.
    expect(logged.at(-1)?.learner?.weightsVersion).toBeGreaterThan(1);
    expect(lines.some((l) => / lag \d+\.\d/.test(l))).toBe(true);
  }, 240_000);

  it('refuses agents whose weights actors cannot copy, in one line', async () => {
    const cli = spawnCli(['train', '--agent', 'tabular-q', '--actors', '2', '--steps', '100', '--out', root, '--no-progress']);
    expect(await cli.exited).toBe(1);
    expect(cli.output().trim().split('\n').at(-1)).toBe(
      'game-gym train: Expected an off-policy agent whose weights actors can copy (dqn) for --actors and --queue, got tabular-q: train it in one process [E_INVALID_OPTION]',
    );
  }, 60_000);
});
