import yargs from 'yargs';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/core/errors.ts';
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

/** Runs the real `game-gym train` in process (embedded server), sends SIGINT `signals` times once it trains, and times the exit. */
async function interrupt(out: string, signals: number): Promise<{ code: number | null; ms: number; stdout: string }> {
  const cli = fileURLToPath(new URL('./game-gym.js', import.meta.url));
  const child = spawn(process.execPath, [cli, 'train', '--envs', '4', '--steps', '1000000', '--no-progress', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 40_000;
  while (!stdout.includes('run folder') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  // Let it train: in process every await resolves at once, which is what kept Ctrl-C waiting.
  await new Promise((r) => setTimeout(r, 2000));
  const sent = Date.now();
  for (let i = 0; i < signals; i++) {
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 200));
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await exited;
  clearTimeout(timer);
  return { code, ms: Date.now() - sent, stdout };
}

describe('Ctrl-C during game-gym train', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(path.join(os.tmpdir(), 'gsg-train-sigint-'));
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  it('stops at once with a checkpoint and exit code 130; a second Ctrl-C quits without one', async () => {
    const [once, twice] = await Promise.all([interrupt(path.join(out, 'once'), 1), interrupt(path.join(out, 'twice'), 2)]);
    expect(once.code, once.stdout).toBe(130);
    // Within a second on a quiet machine (the checkpoint included); the bound leaves room for a busy one.
    expect(once.ms).toBeLessThan(5000);
    const runDir = /continue with: game-gym train --resume (.*)/.exec(once.stdout)?.[1];
    expect(runDir, once.stdout).toBeDefined();
    expect(existsSync(path.join(runDir as string, 'checkpoint', 'trainer.json'))).toBe(true);
    expect(twice.code).toBe(130);
    expect(twice.ms).toBeLessThan(5000);
  }, 60_000);
});
