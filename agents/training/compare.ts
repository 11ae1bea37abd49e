import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { writeCurveSvg, type CurvePoint } from './curve.ts';

/** Options of `plotRuns`. */
export interface PlotRunsOptions {
  /** Run folders (each with config.json and metrics.jsonl). */
  runs: string[];
  /** Evaluation metric to draw. */
  metric: 'winRate' | 'drawRate' | 'lossRate' | 'meanScore';
  /** Evaluation opponent whose results are drawn. */
  opponent: string;
  /** x axis: environment steps or training games (episodes). */
  x: 'step' | 'episodes';
  out: string;
  title?: string;
}

/** Draws one evaluation metric of several runs on one chart (e.g. DQN against MENACE). */
export async function plotRuns(options: PlotRunsOptions): Promise<{ points: number; file: string }> {
  const points: CurvePoint[] = [];
  for (const run of options.runs) {
    const config = JSON.parse(await readFile(path.join(run, 'config.json'), 'utf8')) as { agent: string; opponent: string; seed: number };
    const lines = (await readFile(path.join(run, 'metrics.jsonl'), 'utf8')).split('\n').filter(Boolean);
    const label = `${config.agent} seed ${config.seed}${config.opponent === "random" ? "" : ` (vs ${config.opponent})`}`;
    for (const line of lines) {
      const r = JSON.parse(line) as Record<string, unknown>;
      if (r.type !== 'eval' || r.opponent !== options.opponent) continue;
      const x = r[options.x];
      const y = r[options.metric];
      if (typeof x === 'number' && typeof y === 'number') points.push({ x, y, series: label });
    }
  }
  if (points.length === 0) {
    throw new InvalidOptionError(`No evaluations against ${options.opponent} with ${options.metric} and ${options.x} in ${options.runs.join(', ')}`);
  }
  await writeCurveSvg(options.out, points, {
    title: options.title ?? `${options.metric} against ${options.opponent} (greedy evaluation)`,
    xTitle: options.x === 'episodes' ? 'training games' : 'environment steps',
    yTitle: options.metric,
    ...(options.metric === 'meanScore' ? {} : { yDomain: [0, 1] as [number, number] }),
  });
  return { points: points.length, file: options.out };
}
