import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yargs from 'yargs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/core/errors.ts';
import { addOptions, optionsFromArgs } from './options.ts';
import { TrainCommandSchema } from './train.ts';

describe('options from a schema', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-options-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const parse = async (argv: string[]): Promise<Record<string, unknown>> =>
    optionsFromArgs(
      TrainCommandSchema,
      await addOptions(
        yargs(argv)
          .strict()
          .fail((m, e) => {
            throw e ?? new Error(m);
          }),
        TrainCommandSchema,
        { config: 'file' },
      ).parse(),
    );

  it('takes defaults, then the config file, then the flags', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ 'agent-config': { epsilonEnd: 0.02, explorationSteps: 40000 }, evalEvery: 500, envs: 4 }));
    const both = await parse(['--config', file, '--agent-config', '{"explorationSteps":1000,"augmentSymmetries":true}', '--envs', '8']);
    expect(both).toMatchObject({ agentConfig: { epsilonEnd: 0.02, explorationSteps: 1000, augmentSymmetries: true }, evalEvery: 500, envs: 8, steps: 200_000, progress: true });
    expect((await parse(['--config', file])).agentConfig).toEqual({ epsilonEnd: 0.02, explorationSteps: 40000 });
    expect((await parse(['--agent-config', '{"gamma":1}', '--no-keep-best'])).keepBest).toBe(false);
  });

  it('names the flag, what was expected and what was typed', async () => {
    await expect(parse(['--agent-config', '{gamma'])).rejects.toThrow(new InvalidOptionError('Expected --agent-config to be a JSON object, got {gamma'));
    await expect(parse(['--envs', '0'])).rejects.toThrow(new InvalidOptionError('Expected --envs to be a positive integer, got 0'));
    await expect(parse(['--pool-latest-ratio', '2'])).rejects.toThrow(new InvalidOptionError('Expected --pool-latest-ratio to be a number from 0 to 1, got 2'));
    await expect(parse(['--run-name', 'a/b'])).rejects.toThrow(/^Expected --run-name to be a name of letters/);
    await expect(parse(['--agent', 'sarsa'])).rejects.toThrow(new InvalidOptionError('Expected --agent to be one of dqn, ppo, tabular-q, menace, got sarsa'));
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'stepz: 3\n');
    await expect(parse(['--config', file])).rejects.toThrow(/^Unknown option "stepz" in config file .*bad\.yaml \(known: game, agent/);
  });
});
