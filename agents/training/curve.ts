import { writeFile } from 'node:fs/promises';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One point of a learning curve: `series` names the line (e.g. "vs random"), `panel` the chart it is drawn in (its y axis title, e.g. "win rate (%)"). */
export interface CurvePoint {
  x: number;
  y: number;
  series: string;
  panel?: string;
}

/** Options of `renderCurveSvg`. */
export interface CurveOptions {
  title: string;
  subtitle?: string;
  xTitle?: string;
  /** y axis title of points without a panel. */
  yTitle?: string;
  /** What the series are, as the legend's title (e.g. "evaluation opponent"). */
  legendTitle?: string;
  /** Fix the y axes, e.g. [0, 100] for rates in percent. */
  yDomain?: [number, number];
  /** d3 format of the y axis labels. */
  yFormat?: string;
  /** Width of the chart, and height of each panel. */
  width?: number;
  height?: number;
}

/**
 * Renders lines as SVG with Vega-Lite (headless: no browser, no canvas): one
 * panel per `panel` of the points (in order of first appearance, stacked,
 * each with its own y title), the series told apart by colour, dash and
 * point shape (so equal lines stay distinguishable), one legend below.
 */
export async function renderCurveSvg(points: CurvePoint[], options: CurveOptions): Promise<string> {
  const panels = [...new Set(points.map((p) => p.panel ?? options.yTitle ?? 'value'))];
  const series = [...new Set(points.map((p) => p.series))];
  const height = options.height ?? (panels.length > 1 ? 170 : 320);
  const chart = (panel: string, last: boolean): object => ({
    width: options.width ?? 640,
    height,
    transform: [{ filter: { field: 'panel', equal: panel } }],
    mark: { type: 'line', point: { size: 40, filled: true }, strokeWidth: 2 },
    encoding: {
      // Whole numbers with thousands separators, at least one apart (one point must not read "3,003.000000").
      x: { field: 'x', type: 'quantitative', title: last ? (options.xTitle ?? 'environment steps') : null, axis: { format: ',d', tickMinStep: 1 } },
      y: {
        field: 'y',
        type: 'quantitative',
        title: panel,
        // Padding keeps a line at the domain's edge (0% wins vs minimax) visible above the axis.
        scale: { ...(options.yDomain ? { domain: options.yDomain, nice: false } : { zero: false }), padding: 6 },
        axis: { ...(options.yFormat ? { format: options.yFormat } : {}), tickCount: 5 },
      },
      color: { field: 'series', type: 'nominal', sort: series, title: options.legendTitle ?? null, legend: { orient: 'bottom', direction: 'horizontal', labelLimit: 0 } },
      strokeDash: { field: 'series', type: 'nominal', sort: series, title: options.legendTitle ?? null },
      shape: { field: 'series', type: 'nominal', sort: series, title: options.legendTitle ?? null },
    },
  });
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.subtitle ? { text: options.title, subtitle: options.subtitle } : options.title,
    background: 'white',
    padding: 12,
    data: { values: points.map((p) => ({ ...p, panel: p.panel ?? options.yTitle ?? 'value' })) },
    vconcat: panels.map((panel, i) => chart(panel, i === panels.length - 1)),
  } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders and writes an SVG curve. */
export async function writeCurveSvg(file: string, points: CurvePoint[], options: CurveOptions): Promise<void> {
  await writeFile(file, await renderCurveSvg(points, options));
}
