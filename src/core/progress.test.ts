import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressBar, configLines, terminalWidth } from './progress.ts';

/** A stream that keeps what is written, as a terminal (`columns` set) or a pipe. */
function sink(columns?: number): NodeJS.WriteStream & { text: string } {
  const stream = { text: '', isTTY: columns !== undefined, columns, write: (s: string) => ((stream.text += s), true) };
  return stream as unknown as NodeJS.WriteStream & { text: string };
}

const fields = { 'W/D/L': '43.0%/13.7%/43.3%', eps: '0.86', loss: '0.0123' };

afterEach(() => vi.unstubAllEnvs());

describe('ProgressBar', () => {
  it('fits the terminal: a narrower bar, then fewer fields, then a shorter label', () => {
    for (const columns of [120, 80, 60, 40, 24, 10]) {
      const stream = sink(columns);
      const bar = new ProgressBar('TicTacToe dqn', 1000, { stream });
      bar.update(500, fields, true);
      const line = stream.text.replace('\r\u001b[2K', '');
      expect(line.length, line).toBeLessThan(columns);
      if (columns >= 80) expect(line).toContain('W/D/L 43.0%/13.7%/43.3%');
      if (columns === 120) expect(line).toMatch(/^TicTacToe dqn \[#{12}\.{12}\] {2}50% .*\| W\/D\/L 43\.0%\/13\.7%\/43\.3% eps 0\.86 loss 0\.0123$/);
      if (columns >= 24) expect(line).toContain(' 50% ');
    }
  });

  it('fits $COLUMNS (else 80) when it writes to a pipe', () => {
    vi.stubEnv('COLUMNS', '50');
    expect(terminalWidth(sink())).toBe(50);
    const stream = sink();
    new ProgressBar('a long label for a narrow terminal', 10, { stream }).finish(10, fields);
    const lines = stream.text.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.length, line).toBeLessThan(50);
    vi.stubEnv('COLUMNS', '');
    expect(terminalWidth(sink())).toBe(80);
    expect(terminalWidth(sink(132))).toBe(132);
  });
});

describe('configLines', () => {
  it('packs key: value pairs into short lines, leaving out unset values and cutting long ones', () => {
    const config = {
      game: 'TicTacToe',
      agent: 'dqn',
      steps: 3000,
      mix: { random: 0.7, minimax: 0.3 },
      players: null,
      agentConfig: {},
      evalOpponents: ['random', 'minimax'],
      note: 'x'.repeat(100),
    };
    const lines = configLines('training', config, 50);
    expect(lines[0]).toBe('training');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(50);
    const text = lines.join('\n');
    expect(text).toContain('  game: TicTacToe  agent: dqn  steps: 3000');
    expect(text).toContain('mix: {"random":0.7,"minimax":0.3}');
    expect(text).toContain('evalOpponents: random,minimax');
    expect(text).toMatch(/note: x+…/);
    expect(text).not.toMatch(/players|agentConfig/);
  });
});
