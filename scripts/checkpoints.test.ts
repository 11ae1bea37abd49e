import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gameGym } from './testing/cli.ts';

describe('checkpoints through the CLI', () => {
  let dir: string;
  let run: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-ckpt-cli-'));
    run = path.join(dir, 'runs', 'r');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('train keeps N checkpoints and a policy-only best/; evaluate, collect and --resume take the run folder and its checkpoints', async () => {
    const trained = gameGym([
      'train',
      '--agent',
      'tabular-q',
      '--steps',
      '600',
      '--envs',
      '4',
      '--eval-every',
      '200',
      '--eval-games',
      '10',
      '--checkpoint-every',
      '200',
      '--keep-checkpoints',
      '2',
      '--out',
      path.join(dir, 'runs'),
      '--run-name',
      'r',
      '--no-progress',
    ]);
    expect(trained.stderr).toBe('');
    expect(trained.status).toBe(0);
    const checkpoints = (await readdir(run)).filter((f) => f.startsWith('checkpoint')).sort();
    expect(checkpoints).toHaveLength(2);
    expect(checkpoints[0]).toBe('checkpoint');
    expect(existsSync(path.join(run, 'best', 'agent', 'learner'))).toBe(false);
    expect(existsSync(path.join(run, 'checkpoint', 'agent', 'learner', 'state.json'))).toBe(true);

    const evaluated = gameGym(['evaluate', '--agents', `${run},${path.join(run, 'checkpoint')},random`, '--games', '10', '--out', dir]);
    expect(evaluated.status).toBe(0);
    expect(evaluated.stdout).toContain('r/best');

    const collected = gameGym([
      'collect',
      '--policies',
      `${run},random`,
      '--episodes',
      '4',
      '--sessions',
      '2',
      '--format',
      'jsonl.gz',
      '--out',
      path.join(dir, 'data'),
      '--no-progress',
    ]);
    expect(collected.stderr).toBe('');
    expect(collected.status).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(dir, 'data', 'manifest.json'), 'utf8')) as { policies: Array<{ dir?: string }> };
    expect(manifest.policies[0]?.dir).toBe(path.join(run, 'best', 'agent'));

    const resumed = gameGym(['train', '--resume', path.join(run, checkpoints[1] as string), '--steps', '800', '--no-progress']);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
  }, 300_000);

  it('answers a folder without a checkpoint with one line and E_CHECKPOINT', async () => {
    await mkdir(path.join(dir, 'empty'), { recursive: true });
    const r = gameGym(['evaluate', '--agents', `${path.join(dir, 'empty')},random`, '--games', '2', '--out', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^game-gym evaluate: .*holds no checkpoint; expected a run folder .*\[E_CHECKPOINT\]$/m);
  }, 120_000);
});
