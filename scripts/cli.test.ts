import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gameGym } from './testing/cli.ts';

describe('game-gym errors and config files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('answers a bad flag with one line naming it and what was typed, exit code 2, no help text', () => {
    const steps = gameGym(['train', '--steps', 'abc']);
    expect(steps.status).toBe(2);
    expect(steps.stderr.trim().split('\n')).toEqual(['game-gym train: Expected --steps to be a number, got abc (see game-gym train --help)']);
    expect(steps.stdout).toBe('');
    const unknown = gameGym(['evaluate', '--gamez', 'TicTacToe']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/^game-gym evaluate: Unknown argument: gamez/);
  }, 120_000);

  it('answers an invalid option with one line and its error code, and a stack only with --debug', () => {
    const bad = gameGym(['train', '--envs', '0', '--no-progress', '--out', dir]);
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual(['game-gym train: Expected envs to be a positive integer, got 0 [E_INVALID_OPTION]']);
    const debug = gameGym(['train', '--envs', '0', '--no-progress', '--out', dir, '--debug']);
    expect(debug.stderr).toMatch(/\n\s+at /);
  }, 120_000);

  it('tells a missing config file from a malformed one', async () => {
    const missing = gameGym(['train', '--config', path.join(dir, 'nope.json')]);
    expect(missing.stderr.trim()).toBe(`game-gym train: Config file not found: ${path.join(dir, 'nope.json')}`);
    const yaml = path.join(dir, 'bad.yaml');
    await writeFile(yaml, 'steps: [1\n');
    expect(gameGym(['train', '--config', yaml]).stderr).toMatch(/^game-gym train: Config file .*bad\.yaml is not valid YAML: /);
  }, 120_000);

  it('takes a YAML config, and a run\'s own config.json back as --config', async () => {
    const yaml = path.join(dir, 'run.yaml');
    await writeFile(yaml, `agent: tabular-q\nsteps: 100\nenvs: 2\nevalGames: 2\nout: ${JSON.stringify(path.join(dir, 'runs'))}\n`);
    const first = gameGym(['train', '--config', yaml, '--no-progress']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const [run] = await readdir(path.join(dir, 'runs'));
    const again = gameGym(['train', '--config', path.join(dir, 'runs', run as string, 'config.json'), '--steps', '50', '--seed', '7', '--no-progress']);
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect(await readdir(path.join(dir, 'runs'))).toEqual(expect.arrayContaining([expect.stringMatching(/^TicTacToe__tabular-q__7__/)]));
  }, 120_000);
});
