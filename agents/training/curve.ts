import { writeFile } from 'node:fs/promises';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One point of a learning curve: `series` names the line (e.g. "win vs random"). */
export interface CurvePoint {
  x: number;
  y: number;
  series: string;
}

/** Options of `renderCurveSvg`. */
export interface CurveOptions {
  title: string;
  xTitle?: string;
  yTitle?: string;
  /** Fix the y axis, e.g. [0, 1] for rates. */
  yDomain?: [number, number];
  /** d3 format of the y axis labels, e.g. '.0%' for rates. */
  yFormat?: string;
  width?: number;
  height?: number;
}

/** Renders lines as SVG with Vega-Lite (headless: no browser, no canvas). */
export async function renderCurveSvg(points: CurvePoint[], options: CurveOptions): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    width: options.width ?? 640,
    height: options.height ?? 320,
    background: 'white',
    data: { values: points },
    mark: { type: 'line', point: points.length <= 60 },
    encoding: {
      // Whole numbers with thousands separators, at least one apart (one point must not read "3,003.000000").
      x: { field: 'x', type: 'quantitative', title: options.xTitle ?? 'environment steps', axis: { format: ',d', tickMinStep: 1 } },
      y: {
        field: 'y',
        type: 'quantitative',
        title: options.yTitle ?? 'value',
        // Padding keeps a line at the domain's edge (0% wins vs minimax) visible above the axis.
        scale: { ...(options.yDomain ? { domain: options.yDomain, nice: false } : { zero: false }), padding: 6 },
        ...(options.yFormat ? { axis: { format: options.yFormat } } : {}),
      },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 3, labelLimit: 0 } },
    },
  };
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
