import yargs from 'yargs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/protocol/errors.ts';
import { parseJsonFlag } from './train.ts';

describe('train flags', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-train-flags-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('merges a JSON object flag with the same object from a --config file, the flag winning', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ 'agent-config': { epsilonEnd: 0.02, explorationSteps: 40000 } }));
    const parse = async (argv: string[]): Promise<Record<string, unknown>> =>
      await yargs(argv).option('config', { type: 'string', config: true }).option('agent-config', { type: 'string', default: '{}' }).parse();

    const both = await parse(['--config', file, '--agent-config', '{"explorationSteps":1000,"augmentSymmetries":true}']);
    expect(parseJsonFlag('agent-config', both['agent-config'])).toEqual({ epsilonEnd: 0.02, explorationSteps: 1000, augmentSymmetries: true });
    const fileOnly = await parse(['--config', file]);
    expect(parseJsonFlag('agent-config', fileOnly['agent-config'])).toEqual({ epsilonEnd: 0.02, explorationSteps: 40000 });
    const flagOnly = await parse(['--agent-config', '{"gamma":1}']);
    expect(parseJsonFlag('agent-config', flagOnly['agent-config'])).toEqual({ gamma: 1 });
    expect(() => parseJsonFlag('agent-config', '{gamma')).toThrow(new InvalidOptionError('Expected --agent-config to be a JSON object, got {gamma'));
  });
});
