import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botAgent } from './bots.ts';
import { CHECKPOINT_VERSION, readHeader, runCheckpoints, writeRunCheckpoint } from './checkpoint.ts';
import { loadPolicy, resolveCheckpoint } from './load-policy.ts';
import { TabularQAgent } from './tabular-q/tabular-q.ts';

const SPEC = { observationSize: 27, actionCount: 9, numEnvs: 1, seed: 3 };

/** A tabular agent that has seen a few boards (distinct tables: distinct greedy actions). */
function trained(reward: number): TabularQAgent {
  const agent = TabularQAgent.create(SPEC, { epsilonStart: 0, epsilonEnd: 0 });
  const obs = new Float32Array(27);
  for (let c = 0; c < 9; c++) obs[18 + c] = 1;
  const mask = new Uint8Array(9).fill(1);
  agent.record({
    envIds: [0],
    observations: [obs],
    masks: [mask],
    actions: [4],
    rewards: [reward],
    nextObservations: [obs],
    nextMasks: [mask],
    terminated: [true],
    truncated: [false],
  });
  return agent;
}

describe('checkpoint contract', () => {
  let dir: string;
  let run: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-ckpt-'));
    // A run folder as the trainer writes it: best/ (policy only) and checkpoint/ (policy and learner state).
    run = path.join(dir, 'TicTacToe__tabular-q__3__x');
    await mkdir(run, { recursive: true });
    await writeFile(path.join(run, 'config.json'), JSON.stringify({ game: 'TicTacToe', agent: 'tabular-q' }));
    await trained(1).save(path.join(run, 'best', 'agent'), { learnerState: false, steps: 100 });
    await trained(-1).save(path.join(run, 'checkpoint', 'agent'), { steps: 200 });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes a header, the policy apart from the learner state, and best/ without learner state', async () => {
    const header = await readHeader(path.join(run, 'checkpoint', 'agent'), 'tabular-q');
    expect(header).toMatchObject({ agent: 'tabular-q', version: CHECKPOINT_VERSION, steps: 200, learnerState: true, spec: SPEC });
    expect(header.config).toEqual(TabularQAgent.create(SPEC, { epsilonStart: 0, epsilonEnd: 0 }).config);
    expect((await readdir(path.join(run, 'checkpoint', 'agent'))).sort()).toEqual(['agent.json', 'learner', 'policy']);
    expect((await readdir(path.join(run, 'best', 'agent'))).sort()).toEqual(['agent.json', 'policy']);
    expect(await readHeader(path.join(run, 'best', 'agent'))).toMatchObject({ steps: 100, learnerState: false });
  });

  it('loadPolicy takes a run folder (its best policy), best/ and a checkpoint folder', async () => {
    const obs = new Float32Array(27);
    for (let c = 0; c < 9; c++) obs[18 + c] = 1;
    const q = async (p: string): Promise<number> => {
      const policy = (await loadPolicy(p)) as TabularQAgent;
      policy.dispose();
      return policy.qValues(obs)[4] as number;
    };
    expect(await q(run)).toBeGreaterThan(0);
    expect(await q(path.join(run, 'best'))).toBeGreaterThan(0);
    expect(await q(path.join(run, 'checkpoint'))).toBeLessThan(0);
    expect(await q(path.join(run, 'checkpoint', 'agent'))).toBeLessThan(0);
    expect(await resolveCheckpoint(run)).toMatchObject({ agentDir: path.join(run, 'best', 'agent'), kind: 'tabular-q', runDir: run, game: 'TicTacToe' });
    // Without best/, a run folder means its newest checkpoint.
    const noBest = path.join(dir, 'no-best');
    await mkdir(noBest);
    await writeFile(path.join(noBest, 'config.json'), '{}');
    await trained(-1).save(path.join(noBest, 'checkpoint-50', 'agent'), { steps: 50 });
    expect((await resolveCheckpoint(noBest)).agentDir).toBe(path.join(noBest, 'checkpoint-50', 'agent'));
    const bot = path.join(dir, 'bot');
    await botAgent('minimax', 2).save(bot);
    expect((await loadPolicy(bot)).name).toBe('minimax');
  });

  it('refuses a wrong path, a wrong agent and a wrong version with E_CHECKPOINT', async () => {
    await expect(loadPolicy(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'E_CHECKPOINT', message: expect.stringMatching(/no such folder/) });
    await mkdir(path.join(dir, 'empty'));
    await expect(loadPolicy(path.join(dir, 'empty'))).rejects.toMatchObject({ code: 'E_CHECKPOINT', message: expect.stringMatching(/holds no checkpoint/) });
    await expect(loadPolicy(run, { agent: 'dqn' })).rejects.toMatchObject({ code: 'E_CHECKPOINT', message: expect.stringMatching(/holds a "tabular-q" agent, not dqn/) });
    const old = path.join(dir, 'old');
    await mkdir(path.join(old, 'agent'), { recursive: true });
    await writeFile(path.join(old, 'agent', 'agent.json'), JSON.stringify({ agent: 'tabular-q', version: 1 }));
    await expect(loadPolicy(old)).rejects.toMatchObject({ code: 'E_CHECKPOINT', message: expect.stringMatching(/version 1 checkpoint; this version reads version 2/) });
    const alien = path.join(dir, 'alien');
    await mkdir(alien);
    await writeFile(path.join(alien, 'agent.json'), JSON.stringify({ agent: 'alphazero', version: 2 }));
    await expect(loadPolicy(alien)).rejects.toMatchObject({ code: 'E_CHECKPOINT', message: expect.stringMatching(/kind "alphazero"/) });
  });

  it('keeps the newest N checkpoints, the newest as checkpoint/', async () => {
    const r = path.join(dir, 'history');
    await mkdir(r);
    for (const steps of [10, 20, 30, 40]) {
      await writeRunCheckpoint(r, 3, async (tmp) => {
        await trained(0).save(path.join(tmp, 'agent'), { steps });
      });
    }
    expect((await readdir(r)).sort()).toEqual(['checkpoint', 'checkpoint-20', 'checkpoint-30']);
    expect((await readHeader(path.join(r, 'checkpoint', 'agent'))).steps).toBe(40);
    expect(await runCheckpoints(r)).toEqual(['checkpoint', 'checkpoint-30', 'checkpoint-20'].map((d) => path.join(r, d)));
    await writeRunCheckpoint(r, 1, async (tmp) => {
      await trained(0).save(path.join(tmp, 'agent'), { steps: 50 });
    });
    expect(await readdir(r)).toEqual(['checkpoint']);
    expect(existsSync(path.join(r, 'checkpoint.tmp'))).toBe(false);
    expect(JSON.parse(await readFile(path.join(r, 'checkpoint', 'agent', 'agent.json'), 'utf8')).steps).toBe(50);
  });
});
