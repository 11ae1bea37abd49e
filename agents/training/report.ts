import type { EvaluationResult } from './evaluate.ts';

/** A Markdown table of evaluation results (rates with 95% Wilson intervals). */
export function evaluationTable(results: EvaluationResult[]): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const ci = (i: [number, number]): string => `[${pct(i[0])}, ${pct(i[1])}]`;
  const lines = [
    '| opponent | games | win | draw | loss | win 95% CI | loss 95% CI | win moving first | win moving second |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    if (r.score) {
      lines.push(`| ${r.opponent} | ${r.games} | mean score ${r.score.mean.toFixed(1)} [${r.score.low.toFixed(1)}, ${r.score.high.toFixed(1)}] | | | | | | |`);
      continue;
    }
    lines.push(
      `| ${r.opponent} | ${r.games} | ${pct(r.winRate)} | ${pct(r.drawRate)} | ${pct(r.lossRate)} | ${ci(r.winInterval)} | ${ci(r.lossInterval)} | ${r.moveFirst ? pct(r.moveFirst.winRate) : ''} | ${r.moveSecond ? pct(r.moveSecond.winRate) : ''} |`,
    );
  }
  return lines.join('\n');
}
