import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { resolveTrainConfig, train } from './trainer.ts';

const quiet = { log: () => {}, progress: false };

function metrics(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('train', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(path.join(os.tmpdir(), 'gsg-train-'));
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  it('validates its config with clear errors', () => {
    expect(() => resolveTrainConfig({ envs: 0 })).toThrow(new InvalidOptionError('Expected envs to be a positive integer, got 0'));
    expect(() => resolveTrainConfig({ agent: 'sarsa' as never })).toThrow('Expected agent to be one of dqn, ppo, tabular-q, menace, got sarsa');
    expect(() => resolveTrainConfig({ opponent: 'self', envs: 3 })).toThrow(/even for self-play/);
    expect(() => resolveTrainConfig({ poolLatestRatio: 2 })).toThrow(/poolLatestRatio/);
    expect(() => resolveTrainConfig({ keepBest: 'yes' as never })).toThrow('Expected keepBest to be true or false, got yes');
    expect(() => resolveTrainConfig({ stepz: 1 } as never)).toThrow(/^Unknown option stepz \(known: game, agent, /);
    expect(() => resolveTrainConfig({ evalEvery: 0 }, (k) => `--${k}`)).toThrow('Expected --evalEvery to be a positive integer, got 0');
    expect(resolveTrainConfig({ game: 'Yahtzee' }).evalOpponents).toEqual(['random']);
    expect(resolveTrainConfig({}).evalOpponents).toEqual(['random', 'minimax']);
  });

  it('trains on its own seeded embedded server over loopback TCP (embedded-tcp)', async () => {
    const result = await train({ agent: 'tabular-q', server: 'embedded-tcp', steps: 300, envs: 4, evalEvery: 1000, evalGames: 10, out }, quiet);
    expect(result.envSteps).toBeGreaterThanOrEqual(300);
    expect(result.finalEval.map((r) => r.games)).toEqual([10, 10]);
  }, 60_000);

  it('writes config, metrics, curve and checkpoint, and learns with a tiny budget', async () => {
    const result = await train(
      {
        agent: 'tabular-q',
        steps: 3000,
        envs: 8,
        evalEvery: 1000,
        evalGames: 300,
        checkpointEvery: 1000,
        keepCheckpoints: 2,
        logEvery: 500,
        out,
        agentConfig: { epsilonDecayFraction: 2 / 3 },
      },
      quiet,
    );
    expect(result.envSteps).toBeGreaterThanOrEqual(3000);
    expect(result.envSteps).toBeLessThan(3000 + 8);
    for (const f of [
      'config.json',
      'metrics.jsonl',
      'progress.csv',
      'curve.svg',
      'checkpoint/trainer.json',
      'checkpoint/agent/agent.json',
      'checkpoint/agent/learner/state.json',
    ]) {
      expect(existsSync(path.join(result.runDir, f)), f).toBe(true);
    }
    expect(path.basename(result.runDir)).toMatch(/^TicTacToe__tabular-q__1__\d{4}-\d{2}-\d{2}T/);
    const rows = metrics(await readFile(path.join(result.runDir, 'metrics.jsonl'), 'utf8'));
    const evals = rows.filter((r) => r.type === 'eval');
    expect(evals.map((r) => r.opponent)).toEqual(['random', 'minimax', 'random', 'minimax', 'random', 'minimax']);
    // A training line every logEvery steps (one per step count), with the mean return and length of recent episodes, also in progress.csv.
    const trainRows = rows.filter((r) => r.type === 'train') as Array<{ step: number; meanReturn: number; meanLength: number; stepsPerSecond: number }>;
    expect(trainRows.length).toBe(6);
    expect(trainRows.map((r) => Math.floor(r.step / 500))).toEqual([1, 2, 3, 4, 5, 6]);
    for (const r of trainRows) {
      expect(r.meanReturn).toBeGreaterThanOrEqual(-1);
      expect(r.meanReturn).toBeLessThanOrEqual(1);
      expect(r.meanLength).toBeGreaterThanOrEqual(3);
      expect(r.stepsPerSecond).toBeGreaterThan(0);
    }
    const csv = (await readFile(path.join(result.runDir, 'progress.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toMatch(/^step,seconds,episodes,stepsPerSecond,meanReturn,meanLength,winRate,drawRate,lossRate,/);
    expect(csv.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(trainRows.map((r) => r.step));
    const lastVsRandom = evals.filter((r) => r.opponent === 'random').at(-1) as { winRate: number };
    // Random play wins about 44% of these games; a few thousand Q-learning steps already beat that (300 games: +-6% at 95%).
    expect(lastVsRandom.winRate).toBeGreaterThan(0.5);
    expect(await readFile(path.join(result.runDir, 'curve.svg'), 'utf8')).toMatch(/^<svg[\s\S]*win rate \(%\)[\s\S]*vs random[\s\S]*<\/svg>$/);
    expect(result.finalEval.map((r) => r.games)).toEqual([300, 300]);

    // best/ holds the agent of the evaluation with the highest mean of win minus loss rate, exact where the game computes it (vs random).
    type EvalRow = { step: number; opponent: string; winRate: number; lossRate: number; exact?: { winRate: number; drawRate: number; lossRate: number } };
    expect((evals as EvalRow[]).map((r) => r.exact !== undefined)).toEqual([true, false, true, false, true, false]);
    const byStep = new Map<number, number[]>();
    for (const r of evals as EvalRow[]) {
      const rates = r.exact ?? r;
      byStep.set(r.step, [...(byStep.get(r.step) ?? []), rates.winRate - rates.lossRate]);
    }
    const scores = [...byStep].map(([step, v]) => ({ step, score: (v[0]! + v[1]!) / 2 }));
    const top = scores.reduce((a, b) => (b.score > a.score ? b : a));
    expect(result.best).toEqual({ dir: path.join(result.runDir, 'best', 'agent'), step: top.step, score: top.score });
    const saved = JSON.parse(await readFile(path.join(result.runDir, 'best', 'eval.json'), 'utf8')) as { step: number };
    expect(saved.step).toBe(top.step);
    const trainer = JSON.parse(await readFile(path.join(result.runDir, 'checkpoint', 'trainer.json'), 'utf8')) as { best: unknown };
    expect(trainer.best).toEqual({ step: top.step, score: top.score });
    // The checkpoint contract: a header; best/ holds the policy only (no learner state); the newest 2 checkpoints kept.
    const header = JSON.parse(await readFile(path.join(result.runDir, 'best', 'agent', 'agent.json'), 'utf8')) as Record<string, unknown>;
    expect(header).toMatchObject({ agent: 'tabular-q', version: 2, steps: top.step, learnerState: false, config: { epsilonDecayFraction: 2 / 3 } });
    expect((await readdir(path.join(result.runDir, 'best', 'agent'))).sort()).toEqual(['agent.json', 'policy']);
    const last = JSON.parse(await readFile(path.join(result.runDir, 'checkpoint', 'agent', 'agent.json'), 'utf8')) as { steps: number; learnerState: boolean };
    expect(last).toMatchObject({ steps: result.envSteps, learnerState: true });
    const kept = (await readdir(result.runDir)).filter((f) => f.startsWith('checkpoint')).sort();
    expect(kept).toHaveLength(2);
    expect(kept[0]).toBe('checkpoint');
    expect(kept[1]).toMatch(/^checkpoint-\d+$/);
  }, 60_000);

  it('resumes from its last checkpoint and continues the step count', async () => {
    const abort = new AbortController();
    const config = { agent: 'tabular-q' as const, steps: 4000, envs: 8, evalEvery: 1000, evalGames: 20, checkpointEvery: 1000, out };
    const first = await train(config, {
      ...quiet,
      signal: abort.signal,
      log: (line) => {
        // Stop the run after its second evaluation (2,000 steps), as a crash would.
        if (line.includes('eval @ 2')) abort.abort();
      },
    });
    const stopped = JSON.parse(await readFile(path.join(first.runDir, 'checkpoint', 'trainer.json'), 'utf8')) as { envSteps: number };
    expect(first.envSteps).toBeLessThan(4000);
    expect(stopped.envSteps).toBe(first.envSteps);

    const resumed = await train({}, quiet, first.runDir);
    expect(resumed.runDir).toBe(first.runDir);
    expect(resumed.envSteps).toBeGreaterThanOrEqual(4000);
    const rows = metrics(await readFile(path.join(first.runDir, 'metrics.jsonl'), 'utf8')).filter((r) => r.type === 'train');
    const steps = rows.map((r) => r.step as number);
    // Steps only grow across the resume: nothing logged twice, nothing from before the checkpoint lost.
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps.filter((s) => s <= stopped.envSteps).length).toBeGreaterThanOrEqual(1);
    expect(steps.at(-1)).toBeGreaterThan(stopped.envSteps);

    // A finished run is extended by --steps (the new total), also through its checkpoint/ folder; without it, refused.
    await expect(train({}, quiet, first.runDir)).rejects.toThrow(/has already trained \d+ of its 4000 env steps: pass --steps/);
    const extended = await train({ steps: 5000 }, quiet, path.join(first.runDir, 'checkpoint'));
    expect(extended.envSteps).toBeGreaterThanOrEqual(5000);
    expect(extended.envSteps).toBeLessThan(5000 + 8);
    expect(JSON.parse(await readFile(path.join(first.runDir, 'config.json'), 'utf8')).steps).toBe(5000);
    const finals = metrics(await readFile(path.join(first.runDir, 'metrics.jsonl'), 'utf8')).filter((r) => r.type === 'eval' && r.opponent === 'random');
    expect(new Set(finals.map((r) => r.step)).size).toBe(finals.length);
  }, 90_000);

  it('refuses to resume a folder without a checkpoint', async () => {
    await expect(train({}, quiet, out)).rejects.toThrow(/Nothing to resume in .*: expected a run folder with config.json and checkpoint\/trainer.json/);
    await expect(train({}, quiet, path.join(out, 'checkpoint'))).rejects.toThrow(/Nothing to resume/);
  });
});
