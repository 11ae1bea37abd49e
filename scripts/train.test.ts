import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../agents/training/tensorboard.ts';

const run = promisify(execFile);

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

describe('game-gym train --seed', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(path.join(os.tmpdir(), 'gsg-train-seed-'));
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  /** metrics.jsonl of a short in-process run, without its wall-clock fields. */
  async function metricsOf(name: string, seed: number, agent: string, steps: number, ...more: string[]): Promise<unknown[]> {
    const cli = fileURLToPath(new URL('./game-gym.js', import.meta.url));
    const args = [
      'train',
      '--agent',
      agent,
      '--steps',
      String(steps),
      '--envs',
      '4',
      '--eval-every',
      String(steps / 2),
      '--eval-games',
      '20',
      '--log-every',
      String(steps / 4),
      '--opponent',
      'mix',
      '--seed',
      String(seed),
      '--run-name',
      name,
      '--out',
      out,
      '--no-progress',
      ...more,
    ];
    await run(process.execPath, [cli, ...args], { timeout: 170_000 });
    const text = await readFile(path.join(out, name, 'metrics.jsonl'), 'utf8');
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const { seconds: _s, stepsPerSecond: _r, ...rest } = JSON.parse(l) as Record<string, unknown>;
        return rest;
      });
  }

  it('writes the same metrics for the same seed and other metrics for another seed', async () => {
    const [a, b, c, d, e] = await Promise.all([
      metricsOf('q-a', 5, 'tabular-q', 2000),
      metricsOf('q-b', 5, 'tabular-q', 2000),
      metricsOf('q-c', 6, 'tabular-q', 2000, '--no-tensorboard'),
      metricsOf('dqn-a', 5, 'dqn', 400),
      metricsOf('dqn-b', 5, 'dqn', 400),
    ]);
    expect(a.length).toBeGreaterThan(4);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(e).toEqual(d);
    // TensorBoard event files by default: training and evaluation scalars at their steps, every CRC checked.
    const [file, ...others] = await readdir(path.join(out, 'q-a', 'tb'));
    expect(others).toEqual([]);
    const events = await readEvents(path.join(out, 'q-a', 'tb', file as string));
    expect(events[0]?.fileVersion).toBe('brain.Event:2');
    const steps = (tag: string): number[] => events.filter((ev) => tag in ev.scalars).map((ev) => ev.step);
    expect(steps('train/meanReturn')).toEqual((a as Array<{ type: string; step: number }>).filter((r) => r.type === 'train').map((r) => r.step));
    expect(steps('eval/minimax/lossRate')).toEqual(
      (a as Array<{ type: string; step: number; opponent: string }>).filter((r) => r.type === 'eval' && r.opponent === 'minimax').map((r) => r.step),
    );
    expect(Object.keys(events.at(-1)?.scalars ?? {})).toEqual(['eval/minimax/winRate', 'eval/minimax/drawRate', 'eval/minimax/lossRate']);
    expect(existsSync(path.join(out, 'q-c', 'tb'))).toBe(false);
  }, 180_000);
});
