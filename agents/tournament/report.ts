import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ScoreResult, TournamentResult } from './tournament.ts';

/** Markdown tables: pairs with Wilson intervals and Elo ratings, or mean scores. */
export function tournamentMarkdown(result: TournamentResult): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const ci = (i: [number, number]): string => `[${pct(i[0])}, ${pct(i[1])}]`;
  const lines: string[] = [];
  if (result.mode === 'single-player') {
    const opt = result.optimum;
    const head = opt === undefined ? '' : ' % of optimum |';
    lines.push(
      `### ${result.game}: mean score per game (95% interval)`,
      '',
      `| rank | agent | games | mean score | 95% interval |${head}`,
      `| --- | --- | --- | --- | --- |${opt === undefined ? '' : ' --- |'}`,
    );
    const sorted = [...(result.scores ?? [])].sort((x, y) => y.mean - x.mean);
    // Four decimals where the interval is narrow enough to say so (the optimal bot's simulation check).
    const digits = (s: ScoreResult): number => (s.high - s.low < 2 ? 2 : 1);
    sorted.forEach((s, i) => {
      const d = digits(s);
      const pct = opt === undefined ? '' : ` ${((100 * s.mean) / opt).toFixed(1)}% |`;
      lines.push(`| ${i + 1} | ${s.agent} | ${s.games} | ${s.mean.toFixed(d)} | [${s.low.toFixed(d)}, ${s.high.toFixed(d)}] |${pct}`);
    });
    if (opt !== undefined) {
      lines.push(
        '',
        `Optimum (exact, solitaire, the server's rules; \`game-gym solve Yahtzee\`): ${opt.toFixed(4)}; agents whose interval contains it: ${
          sorted
            .filter((s) => s.low <= opt && opt <= s.high)
            .map((s) => s.agent)
            .join(', ') || 'none'
        }`,
      );
    }
    return lines.join('\n');
  }
  lines.push(
    `### ${result.game}: pairs (rates of the first-named agent, 95% Wilson intervals)`,
    '',
    '| A | B | games | A wins | draws | B wins | A win 95% CI | draw 95% CI | B win 95% CI | A wins moving first | A wins moving second |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const p of result.pairs) {
    lines.push(
      `| ${p.a} | ${p.b} | ${p.games} | ${pct(p.winRate)} | ${pct(p.drawRate)} | ${pct(p.lossRate)} | ${ci(p.winInterval)} | ${ci(p.drawInterval)} | ${ci(p.lossInterval)} | ${p.aFirst ? pct(p.aFirst.winRate) : ''} | ${p.aSecond ? pct(p.aSecond.winRate) : ''} |`,
    );
  }
  if (result.ratings) {
    const r = result.ratings;
    lines.push(
      '',
      `### Elo (${r.anchor}; ${r.interval}; ${r.priorDraws} virtual draw(s) per pair)`,
      '',
      '| rank | agent | Elo | 95% interval | se | games | score |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    [...r.ratings]
      .sort((x, y) => y.elo - x.elo)
      .forEach((x, i) =>
        lines.push(`| ${i + 1} | ${x.agent} | ${x.elo.toFixed(0)} | [${x.low.toFixed(0)}, ${x.high.toFixed(0)}] | ${x.se.toFixed(0)} | ${x.games} | ${pct(x.score)} |`),
      );
  }
  return lines.join('\n');
}

/** Writes `<dir>/evaluate__<game>__<time>.json` and `.svg`; returns their paths. */
export async function writeTournament(result: TournamentResult, dir: string): Promise<{ json: string; svg: string }> {
  await mkdir(dir, { recursive: true });
  const stamp = result.date.replace(/[:.]/g, '-');
  const base = path.join(dir, `evaluate__${result.game.replace(/[^\w-]/g, '_')}__${stamp}`);
  await writeFile(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  // vega loads in a second or more: only callers that write a chart pay for it.
  const { renderTournamentSvg } = await import('./chart.ts');
  await writeFile(`${base}.svg`, await renderTournamentSvg(result));
  return { json: `${base}.json`, svg: `${base}.svg` };
}
