import { describe, expect, it } from 'vitest';
import { renderCurveSvg, type CurvePoint } from './curve.ts';

/** The texts an SVG draws (tick labels, titles, legend entries), entities decoded. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    (m[1] as string)
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&')
      .replace(/&#39;/g, "'"),
  );
}

describe('renderCurveSvg', () => {
  it('draws one panel per rate with readable titles, a legend of the series and clean whole-number ticks', async () => {
    const points: CurvePoint[] = [];
    for (const [panel, random, minimax] of [
      ['win rate (%)', 60, 0],
      ['draw rate (%)', 10, 0],
      ['loss rate (%)', 30, 100],
    ] as const) {
      points.push({ x: 3003, y: random, series: 'vs random', panel }, { x: 3003, y: minimax, series: 'vs minimax', panel });
    }
    const svg = await renderCurveSvg(points, {
      title: 'TicTacToe: dqn trained vs random',
      subtitle: 'greedy evaluation, 200 games per opponent',
      legendTitle: 'evaluation opponent',
      yDomain: [0, 100],
    });
    const t = texts(svg);
    for (const title of [
      'TicTacToe: dqn trained vs random',
      'greedy evaluation, 200 games per opponent',
      'win rate (%)',
      'draw rate (%)',
      'loss rate (%)',
      'environment steps',
      'evaluation opponent',
      'vs random',
      'vs minimax',
    ]) {
      expect(t, title).toContain(title);
    }
    // One point: its step as a whole number, no "3,003.000000"; the x title once, under the last panel.
    expect(t).toContain('3,003');
    expect(t.some((x) => /\.\d{3,}/.test(x))).toBe(false);
    expect(t.filter((x) => x === 'environment steps')).toHaveLength(1);
    // No raw field names as titles.
    expect(t.some((x) => /^(x|y|series|panel|winRate|rate)$/.test(x))).toBe(false);
  });

  it('keeps a series at 0 visible beside another: lines told apart by shape, not only colour', async () => {
    const points: CurvePoint[] = [0, 1000, 2000].flatMap((x) => [
      { x, y: 0, series: 'vs random', panel: 'win rate (%)' },
      { x, y: 0, series: 'vs minimax', panel: 'win rate (%)' },
    ]);
    const svg = await renderCurveSvg(points, { title: 't', yDomain: [0, 100] });
    // Every point drawn, each series in its own shape: circles for one, squares for the other.
    const symbols = [...svg.matchAll(/aria-label="[^"]*series: (vs \w+)" role="graphics-symbol" aria-roledescription="point"[^>]*d="M([^"]{0,12})/g)].map(
      (m) => `${m[1]} ${(m[2] as string).includes('A') ? 'circle' : 'square'}`,
    );
    expect(symbols.filter((x) => x === 'vs random circle')).toHaveLength(3);
    expect(symbols.filter((x) => x === 'vs minimax square')).toHaveLength(3);
    expect(svg).toContain('stroke-dasharray');
  });
});
