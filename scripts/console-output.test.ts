import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gameGym } from './testing/cli.ts';

/** The progress lines of a run (stderr, drawn once per tenth of the way when it is not a terminal). */
const progressLines = (stderr: string): string[] => stderr.split('\n').filter((l) => /\d+% /.test(l));

describe('train, start and plot output: a narrow terminal, charts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-output-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('train: the resolved config as short key: value lines, progress lines within $COLUMNS, the learning curve', async () => {
    const r = gameGym(['train', '--agent', 'tabular-q', '--steps', '2000', '--envs', '2', '--eval-games', '4', '--out', dir], { COLUMNS: '44' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('training (in full: config.json of the run folder)');
    const config = lines.slice(
      1,
      lines.findIndex((l, i) => i > 0 && !l.startsWith('  ')),
    );
    expect(config.join('\n')).toMatch(/ {2}game: TicTacToe {2}agent: tabular-q/);
    expect(config.join('\n')).toMatch(/steps: 2000/);
    for (const line of config) expect(line.length, line).toBeLessThan(44);
    expect(r.stdout).not.toMatch(/\{"game"/);
    const progress = progressLines(r.stderr);
    expect(progress.length).toBeGreaterThan(5);
    for (const line of progress) expect(line.length, line).toBeLessThan(44);
    // 80 columns without $COLUMNS: room for the bar and the win/draw/loss field.
    const wide = gameGym(['train', '--agent', 'tabular-q', '--steps', '2000', '--envs', '2', '--eval-games', '4', '--out', dir], { COLUMNS: '' });
    const last = progressLines(wide.stderr).at(-1) as string;
    expect(last.length).toBeLessThan(80);
    expect(last).toMatch(/\[#+\] 100% .* \| W\/D\/L /);
    // The learning curve: every rate against every evaluation opponent, with readable titles.
    const [run] = await readdir(dir);
    const svg = await readFile(path.join(dir, run as string, 'curve.svg'), 'utf8');
    for (const text of ['win rate (%)', 'draw rate (%)', 'loss rate (%)', 'vs random', 'vs minimax', 'evaluation opponent', 'environment steps'])
      expect(svg).toContain(`>${text}</text>`);
    // plot: both runs (same agent and seed: named by their folders), a panel per rate.
    const runs = (await readdir(dir)).map((r) => path.join(dir, r));
    const plot = gameGym(['plot', '--runs', ...runs, '--out', path.join(dir, 'plot.svg')], {});
    expect(plot.status, plot.stderr).toBe(0);
    const plotted = await readFile(path.join(dir, 'plot.svg'), 'utf8');
    for (const text of ['win rate (%)', 'draw rate (%)', 'loss rate (%)', 'run', 'training games', ...runs.map((r) => path.basename(r))])
      expect(plotted).toContain(`>${text}</text>`);
    const missing = gameGym(['plot', '--runs', path.join(dir, 'nope')], {});
    expect(missing.stderr.trim()).toMatch(/^game-gym plot: Expected --runs to be training run folders .* it has no config\.json \[E_INVALID_OPTION\]$/);
  }, 240_000);

  it('start: the same short first lines', () => {
    const r = gameGym(['start', '--steps', '200', '--eval-games', '2'], { COLUMNS: '60' });
    expect(r.status, r.stderr).toBe(0);
    const [first, second] = r.stdout.split('\n');
    expect(first).toBe('training (in full: config.json of the run folder)');
    expect((second as string).length).toBeLessThan(60);
    for (const line of progressLines(r.stderr)) expect(line.length, line).toBeLessThan(60);
  }, 240_000);
});
