import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
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
    const port = gameGym(['serve', '--port', 'abc']);
    expect(port.status).toBe(2);
    expect(port.stderr.trim().split('\n')).toEqual(['game-gym serve: Expected --port to be a number, got abc (see game-gym serve --help)']);
    expect(port.stdout).toBe('');
    const noValue = gameGym(['train', '--steps']);
    expect(noValue.status).toBe(2);
    expect(noValue.stderr.trim().split('\n')).toEqual(['game-gym train: Not enough arguments following: steps (see game-gym train --help)']);
    const unknown = gameGym(['evaluate', '--gamez', 'TicTacToe']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/^game-gym evaluate: Unknown argument: gamez/);
  }, 120_000);

  it('answers an invalid option with one line naming the flag, what was expected and what was typed, before creating anything', async () => {
    const out = path.join(dir, 'refused');
    const refused = (command: string, ...args: string[]): string => {
      const r = gameGym([command, ...args, ...(command === 'train' ? ['--no-progress', '--out', out] : [])]);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      return r.stderr.trim();
    };
    expect(refused('train', '--steps', 'abc')).toBe('game-gym train: Expected --steps to be a positive integer, got abc [E_INVALID_OPTION]');
    expect(refused('train', '--pool-latest-ratio', '1.5')).toBe('game-gym train: Expected --pool-latest-ratio to be a number from 0 to 1, got 1.5 [E_INVALID_OPTION]');
    expect(refused('train', '--opponent', 'minimaxx')).toMatch(/^game-gym train: Expected --opponent to be random, minimax, .* got minimaxx \[E_INVALID_OPTION\]$/);
    expect(refused('train', '--agent-config', '{"gamma":5}')).toMatch(/^game-gym train: Expected gamma to be .*, got 5 \[E_INVALID_OPTION\]$/);
    expect(refused('start', '--seed', '2.5', '--steps', '100')).toBe('game-gym start: Expected --seed to be an integer, got 2.5 [E_INVALID_OPTION]');
    const yaml = path.join(dir, 'typo.yaml');
    await writeFile(yaml, 'stepz: 100\n');
    expect(refused('train', '--config', yaml)).toMatch(/^game-gym train: Unknown option "stepz" in config file .*typo\.yaml \(known: game, agent, /);
    // Nothing was created for a refused run.
    expect(existsSync(out)).toBe(false);
  }, 240_000);

  it('prints a stack only with --debug', () => {
    const bad = gameGym(['train', '--envs', '0', '--no-progress', '--out', dir]);
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual(['game-gym train: Expected --envs to be a positive integer, got 0 [E_INVALID_OPTION]']);
    const debug = gameGym(['train', '--envs', '0', '--no-progress', '--out', dir, '--debug']);
    expect(debug.stderr).toMatch(/\n\s+at /);
  }, 120_000);

  it('tells a missing config file from a malformed one', async () => {
    const missing = gameGym(['train', '--config', path.join(dir, 'nope.json')]);
    expect(missing.stderr.trim()).toBe(`game-gym train: Config file not found: ${path.join(dir, 'nope.json')} [E_INVALID_OPTION]`);
    const yaml = path.join(dir, 'bad.yaml');
    await writeFile(yaml, 'steps: [1\n');
    expect(gameGym(['train', '--config', yaml]).stderr).toMatch(/^game-gym train: Config file .*bad\.yaml is not valid YAML: /);
  }, 120_000);

  it("takes a YAML config, and a run's own config.json back as --config", async () => {
    const yaml = path.join(dir, 'run.yaml');
    // Keys as in code or as flags; objects as YAML maps.
    await writeFile(yaml, `agent: tabular-q\nsteps: 100\nenvs: 2\neval-games: 2\nagentConfig:\n  alpha: 0.3\nout: ${JSON.stringify(path.join(dir, 'runs'))}\n`);
    const first = gameGym(['train', '--config', yaml, '--no-progress']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const [run] = await readdir(path.join(dir, 'runs'));
    const again = gameGym(['train', '--config', path.join(dir, 'runs', run as string, 'config.json'), '--steps', '50', '--seed', '7', '--no-progress']);
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    const runs = await readdir(path.join(dir, 'runs'));
    const second = runs.find((r) => /^TicTacToe__tabular-q__7__/.test(r));
    expect(second, runs.join()).toBeDefined();
    const config = async (r: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(path.join(dir, 'runs', r, 'config.json'), 'utf8')) as Record<string, unknown>;
    const [a, b] = [await config(run as string), await config(second as string)];
    expect(a).toMatchObject({ agent: 'tabular-q', steps: 100, envs: 2, evalGames: 2, agentConfig: { alpha: 0.3 }, players: null });
    expect(b).toEqual({ ...a, steps: 50, seed: 7 });
  }, 120_000);
});
