import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { TournamentResult } from './tournament.ts';

/**
 * The tournament as SVG (Vega-Lite, headless): for a round robin, the Elo
 * ratings with their 95% intervals (points and rules, best on top) above the
 * win/draw/loss stacked bars of each pair; for a single-player game, each
 * agent's mean score with its 95% interval.
 */
export async function renderTournamentSvg(result: TournamentResult): Promise<string> {
  const spec = result.mode === 'single-player' ? scoreSpec(result) : roundRobinSpec(result);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const WIDTH = 560;

function intervalChart(values: Array<{ agent: string; value: number; low: number; high: number }>, title: string, xTitle: string): object {
  const order = [...values].sort((a, b) => b.value - a.value).map((v) => v.agent);
  const y = { field: 'agent', type: 'nominal', sort: order, title: null };
  return {
    title,
    width: WIDTH,
    height: Math.max(60, 28 * values.length),
    data: { values },
    layer: [
      {
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: { y, x: { field: 'low', type: 'quantitative', title: xTitle, scale: { zero: false } }, x2: { field: 'high' } },
      },
      {
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          y,
          x: { field: 'value', type: 'quantitative' },
          tooltip: [{ field: 'agent' }, { field: 'value', format: '.1f' }, { field: 'low', format: '.1f' }, { field: 'high', format: '.1f' }],
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 8, dy: -9, fontSize: 10 },
        encoding: { y, x: { field: 'value', type: 'quantitative' }, text: { field: 'value', format: '.0f' } },
      },
    ],
  };
}

function roundRobinSpec(result: TournamentResult): TopLevelSpec {
  const charts: object[] = [];
  const r = result.ratings;
  if (r) {
    charts.push(
      intervalChart(
        r.ratings.map((x) => ({ agent: x.agent, value: x.elo, low: x.low, high: x.high })),
        `Elo (${r.anchor}, 95% ${r.interval})`,
        'Elo',
      ),
    );
  }
  const rows = result.pairs.flatMap((p) => {
    const pair = `${p.a} vs ${p.b}`;
    return [
      { pair, outcome: 'first wins', rate: p.winRate, order: 0 },
      { pair, outcome: 'draw', rate: p.drawRate, order: 1 },
      { pair, outcome: 'second wins', rate: p.lossRate, order: 2 },
    ];
  });
  charts.push({
    title: `Win / draw / loss per pair (${result.pairs[0]?.games ?? 0} games each)`,
    width: WIDTH,
    height: Math.max(60, 26 * result.pairs.length),
    data: { values: rows },
    mark: 'bar',
    encoding: {
      y: { field: 'pair', type: 'nominal', title: null, sort: null },
      x: { field: 'rate', type: 'quantitative', stack: 'zero', title: 'share of games', axis: { format: '%' }, scale: { domain: [0, 1] } },
      color: {
        field: 'outcome',
        type: 'nominal',
        title: 'A vs B',
        scale: { domain: ['first wins', 'draw', 'second wins'], range: ['#4c78a8', '#bab0ac', '#e45756'] },
        legend: { labelExpr: "datum.label == 'first wins' ? 'A wins' : datum.label == 'second wins' ? 'B wins' : 'draw'" },
      },
      order: { field: 'order' },
      tooltip: [{ field: 'pair' }, { field: 'outcome' }, { field: 'rate', format: '.1%' }],
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${result.game} round robin`, subtitle: `${result.date} · ${result.gamesPlayed} games` },
    background: 'white',
    padding: 12,
    vconcat: charts,
  } as TopLevelSpec;
}

function scoreSpec(result: TournamentResult): TopLevelSpec {
  const scores = result.scores ?? [];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    padding: 12,
    ...intervalChart(
      scores.map((s) => ({ agent: s.agent, value: s.mean, low: s.low, high: s.high })),
      `${result.game}: mean score with 95% interval (${scores[0]?.games ?? 0} games each)`,
      'mean score',
    ),
  } as TopLevelSpec;
}
