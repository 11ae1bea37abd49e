import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { writeCurveSvg, type CurvePoint } from './curve.ts';

/** Options of `plotRuns`. */
export interface PlotRunsOptions {
  /** Run folders (each with config.json and metrics.jsonl). */
  runs: string[];
  /** Evaluation metric to draw; `rates`: win, draw and loss rates, one panel each. */
  metric: 'rates' | 'winRate' | 'drawRate' | 'lossRate' | 'meanScore';
  /** Evaluation opponent whose results are drawn. */
  opponent: string;
  /** x axis: environment steps or training games (episodes). */
  x: 'step' | 'episodes';
  out: string;
  title?: string;
}

/** The y axis title of each metric of metrics.jsonl. */
const METRIC_TITLES = { winRate: 'win rate (%)', drawRate: 'draw rate (%)', lossRate: 'loss rate (%)', meanScore: 'mean score per game' } as const;

/** Draws evaluation metrics of several runs on one chart (e.g. DQN against MENACE): one line per run, one panel per rate. */
export async function plotRuns(options: PlotRunsOptions): Promise<{ points: number; file: string }> {
  const metrics = options.metric === 'rates' ? (['winRate', 'drawRate', 'lossRate'] as const) : [options.metric];
  const runs: Array<{ run: string; label: string }> = [];
  for (const run of options.runs) {
    for (const file of ['config.json', 'metrics.jsonl']) {
      if (!existsSync(path.join(run, file)))
        throw new InvalidOptionError(`Expected --runs to be training run folders (with config.json and metrics.jsonl), got ${run}: it has no ${file}`);
    }
    const config = JSON.parse(await readFile(path.join(run, 'config.json'), 'utf8')) as { agent: string; opponent: string; seed: number };
    runs.push({ run, label: `${config.agent} seed ${config.seed}${config.opponent === 'random' ? '' : ` (trained vs ${config.opponent})`}` });
  }
  // Runs that would read the same are named by their folder.
  const repeated = new Set(runs.filter((r, i) => runs.findIndex((o) => o.label === r.label) !== i).map((r) => r.label));
  for (const r of runs) if (repeated.has(r.label)) r.label = path.basename(path.resolve(r.run));
  const points: CurvePoint[] = [];
  for (const { run, label } of runs) {
    const lines = (await readFile(path.join(run, 'metrics.jsonl'), 'utf8')).split('\n').filter(Boolean);
    for (const line of lines) {
      const r = JSON.parse(line) as Record<string, unknown>;
      if (r.type !== 'eval' || r.opponent !== options.opponent) continue;
      const x = r[options.x];
      for (const metric of metrics) {
        const y = r[metric];
        if (typeof x === 'number' && typeof y === 'number') points.push({ x, y: metric === 'meanScore' ? y : 100 * y, series: label, panel: METRIC_TITLES[metric] });
      }
    }
  }
  if (points.length === 0) {
    throw new InvalidOptionError(`No evaluations against ${options.opponent} with ${metrics.join(', ')} and ${options.x} in ${options.runs.join(', ')}`);
  }
  const what = options.metric === 'rates' ? 'win, draw and loss rates' : METRIC_TITLES[options.metric].replace(' (%)', '');
  await writeCurveSvg(options.out, points, {
    title: options.title ?? `${what} vs ${options.opponent}`,
    subtitle: `greedy evaluation of ${runs.length} run(s)`,
    xTitle: options.x === 'episodes' ? 'training games' : 'environment steps',
    legendTitle: 'run',
    ...(options.metric === 'meanScore' ? {} : { yDomain: [0, 100] as [number, number] }),
  });
  return { points: points.length, file: options.out };
}
