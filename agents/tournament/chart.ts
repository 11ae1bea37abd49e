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
  const short = shortLabels([...result.agents.map((a) => a.label), ...(result.scores ?? []).map((s) => s.agent)]);
  const name = (label: string): string => short.get(label) ?? label;
  const spec = result.mode === 'single-player' ? scoreSpec(result, name) : roundRobinSpec(result, name);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const WIDTH = 560;
/** Longest agent label drawn whole; longer ones are cut in the middle. */
const MAX_LABEL = 40;
/** A run folder's time stamp (2026-12-02T14-09-47-150Z), drawn as 1202-140947. */
const STAMP = /\d{4}-(\d\d)-(\d\d)T(\d\d)-(\d\d)-(\d\d)-\d{3}Z/;

/**
 * Labels of at most `max` characters, still unique: run folder time stamps
 * shortened, then a long label keeps its start and end around an ellipsis
 * (run folders differ at the end: their time, a `#2`); labels that would
 * read the same keep more of their end, else get a number.
 */
export function shortLabels(labels: string[], max = MAX_LABEL): Map<string, string> {
  const unique = [...new Set(labels)];
  const cut = (label: string, tail: number): string => (label.length <= max ? label : `${label.slice(0, max - 1 - tail)}…${label.slice(label.length - tail)}`);
  const stamped = unique.map((l) => l.replace(STAMP, '$1$2-$3$4$5'));
  for (const names of [stamped, unique]) {
    // Keep 45% of the label's room for its end, then more.
    for (const tail of [0.45, 0.6, 0.75, 0.95].map((f) => Math.round(f * (max - 1)))) {
      const short = names.map((l) => cut(l, tail));
      if (new Set(short).size === short.length) return new Map(unique.map((l, i) => [l, short[i] as string]));
    }
  }
  return new Map(unique.map((l, i) => [l, l.length <= max ? l : `${cut(l, Math.round(0.45 * (max - 1))).slice(0, max - String(i + 1).length - 1)}#${i + 1}`]));
}

function intervalChart(values: Array<{ agent: string; value: number; low: number; high: number }>, title: string, xTitle: string): object {
  const order = [...values].sort((a, b) => b.value - a.value).map((v) => v.agent);
  const y = { field: 'agent', type: 'nominal', sort: order, title: null, axis: { labelLimit: 0 } };
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

function roundRobinSpec(result: TournamentResult, name: (label: string) => string): TopLevelSpec {
  const charts: object[] = [];
  const r = result.ratings;
  if (r) {
    charts.push(
      intervalChart(
        r.ratings.map((x) => ({ agent: name(x.agent), value: x.elo, low: x.low, high: x.high })),
        `Elo (${r.anchor}, 95% ${r.interval})`,
        'Elo',
      ),
    );
  }
  const outcomes = ['A wins', 'draw', 'B wins'];
  const rows = result.pairs.flatMap((p) => {
    const pair = `${name(p.a)} vs ${name(p.b)}`;
    return [p.winRate, p.drawRate, p.lossRate].map((rate, order) => ({ pair, outcome: outcomes[order], rate: 100 * rate, order }));
  });
  const x = { field: 'rate', type: 'quantitative', stack: 'zero', title: 'share of games (%)', scale: { domain: [0, 100] } };
  charts.push({
    title: { text: 'Win / draw / loss per pair "A vs B"', subtitle: `${result.pairs[0]?.games ?? 0} games each, seats and first moves balanced` },
    width: WIDTH,
    height: Math.max(60, 26 * result.pairs.length),
    data: { values: rows },
    encoding: {
      y: { field: 'pair', type: 'nominal', title: null, sort: null, axis: { labelLimit: 0 } },
      order: { field: 'order' },
    },
    layer: [
      {
        mark: 'bar',
        encoding: {
          x,
          color: {
            field: 'outcome',
            type: 'nominal',
            title: 'result of A',
            scale: { domain: outcomes, range: ['#4c78a8', '#bab0ac', '#e45756'] },
            legend: { orient: 'top', direction: 'horizontal', titleOrient: 'left' },
          },
          tooltip: [{ field: 'pair' }, { field: 'outcome' }, { field: 'rate', format: '.1f' }],
        },
      },
      {
        // Each share written in its segment when the segment is wide enough for it.
        transform: [
          { stack: 'rate', groupby: ['pair'], sort: [{ field: 'order' }], as: ['start', 'end'] },
          { calculate: '(datum.start + datum.end) / 2', as: 'middle' },
          { filter: 'datum.rate >= 8' },
        ],
        mark: { type: 'text', align: 'center', baseline: 'middle', color: 'white', fontSize: 10 },
        encoding: { x: { field: 'middle', type: 'quantitative' }, text: { field: 'rate', format: '.0f' } },
      },
    ],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${result.game} round robin`, subtitle: `${result.date} · ${result.gamesPlayed} games` },
    background: 'white',
    padding: 12,
    vconcat: charts,
    // The outcome legend belongs to the pairs chart, not above the Elo chart.
    resolve: { legend: { color: 'independent' } },
  } as TopLevelSpec;
}

function scoreSpec(result: TournamentResult, name: (label: string) => string): TopLevelSpec {
  const scores = result.scores ?? [];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    padding: 12,
    ...intervalChart(
      scores.map((s) => ({ agent: name(s.agent), value: s.mean, low: s.low, high: s.high })),
      `${result.game}: mean score with 95% interval (${scores[0]?.games ?? 0} games each)`,
      'mean score',
    ),
  } as TopLevelSpec;
}
