import { describe, expect, it } from 'vitest';
import { renderTournamentSvg, shortLabels } from './chart.ts';
import type { TournamentResult } from './tournament.ts';

function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    (m[1] as string)
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&')
      .replace(/&#39;/g, "'"),
  );
}

const RUN_A = 'TicTacToe__tabular-q__1__2026-12-02T14-09-47-150Z';
const RUN_B = 'TicTacToe__tabular-q__1__2026-12-02T14-10-17-654Z';
const LONG = 'experiments/runs/a-very-long-folder-name-for-a-checkpoint/best';

describe('shortLabels', () => {
  it('keeps short labels, shortens long ones uniquely within the limit', () => {
    const labels = ['random', RUN_A, RUN_B, `${RUN_B}#2`, LONG, `${LONG.replace('best', 'checkpoint')}`];
    const short = shortLabels(labels);
    expect(short.get('random')).toBe('random');
    expect(short.get(RUN_A)).toBe('TicTacToe__tabular-q__1__1202-140947');
    expect(new Set(short.values()).size).toBe(labels.length);
    for (const s of short.values()) expect(s.length).toBeLessThanOrEqual(40);
    // Labels alike but for their middle still come out different.
    const alike = shortLabels(['x'.repeat(30) + 'A' + 'y'.repeat(30), 'x'.repeat(30) + 'B' + 'y'.repeat(30)], 20);
    expect(new Set(alike.values()).size).toBe(2);
    for (const s of alike.values()) expect(s.length).toBeLessThanOrEqual(20);
  });
});

describe('renderTournamentSvg', () => {
  it('draws every pair with unique, whole labels, the win/draw/loss legend and readable titles', async () => {
    const labels = ['random', 'minimax', RUN_A, RUN_B, `${RUN_B}#2`];
    const outcomes = (w: number, d: number) => ({ games: 20, wins: 20 * w, draws: 20 * d, losses: 20 * (1 - w - d), winRate: w, drawRate: d, lossRate: 1 - w - d });
    const pairs = labels.flatMap((a, i) => labels.slice(i + 1).map((b) => ({ a, b, seconds: 1, ...outcomes(0.35, 0.15) })));
    const result = {
      name: 'evaluate',
      date: '2026-12-02T14:10:47.996Z',
      game: 'TicTacToe',
      mode: 'round-robin',
      agents: labels.map((label) => ({ label, spec: label, kind: 'bot' })),
      pairs,
      ratings: { anchor: 'random = 0', interval: 'bootstrap', ratings: labels.map((agent, i) => ({ agent, elo: 100 * i, low: 100 * i - 50, high: 100 * i + 50 })) },
      gamesPlayed: 200,
    } as unknown as TournamentResult;
    const t = texts(await renderTournamentSvg(result));
    const short = shortLabels(labels);
    for (const p of pairs) expect(t, `${p.a} vs ${p.b}`).toContain(`${short.get(p.a)} vs ${short.get(p.b)}`);
    for (const l of labels) expect(t).toContain(short.get(l));
    // Vega cuts labels that do not fit with its own ellipsis at the end: none is cut.
    expect(t.filter((x) => x.endsWith('…'))).toEqual([]);
    for (const title of ['A wins', 'draw', 'B wins', 'result of A', 'share of games (%)', 'Win / draw / loss per pair "A vs B"', '35', '15', '50'])
      expect(t, title).toContain(title);
  });
});
