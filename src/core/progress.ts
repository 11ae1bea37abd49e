/** Options of `ProgressBar`. */
export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Least time between two redraws. Default 250 ms. */
  intervalMs?: number;
}

/**
 * A one-line progress bar for long work: `label [#####.....] 45% 12.3k/s ETA
 * 1m05s | extra fields`. Redrawn in place on a terminal; elsewhere (CI, a
 * log file) it prints a plain line every tenth of the way. The line never
 * wraps: it fits `terminalWidth` (a narrower bar, then fewer fields, then a
 * shorter label).
 */
export class ProgressBar {
  private readonly label: string;
  private readonly total: number;
  private readonly stream: NodeJS.WriteStream;
  private readonly intervalMs: number;
  private readonly started = performance.now();
  private lastDraw = 0;
  private lastDecile = -1;

  constructor(label: string, total: number, options: ProgressOptions = {}) {
    this.label = label;
    this.total = Math.max(1, total);
    this.stream = options.stream ?? process.stderr;
    this.intervalMs = options.intervalMs ?? 250;
  }

  update(done: number, fields: Record<string, string | number> = {}, force = false): void {
    const now = performance.now();
    const tty = Boolean(this.stream.isTTY);
    const decile = Math.floor((10 * done) / this.total);
    if (tty ? !force && now - this.lastDraw < this.intervalMs : !force && decile === this.lastDecile) return;
    this.lastDraw = now;
    this.lastDecile = decile;
    const line = this.format(done, fields, now, terminalWidth(this.stream) - 1);
    if (tty) this.stream.write(`\r\u001b[2K${line}`);
    else this.stream.write(`${line}\n`);
  }

  finish(done: number, fields: Record<string, string | number> = {}): void {
    this.update(done, fields, true);
    if (this.stream.isTTY) this.stream.write('\n');
  }

  /** The line, at most `max` characters. */
  private format(done: number, fields: Record<string, string | number>, now: number, max: number): string {
    const frac = Math.min(1, done / this.total);
    const seconds = (now - this.started) / 1000;
    const rate = done / Math.max(seconds, 1e-9);
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const status = `${(100 * frac).toFixed(0).padStart(3)}% ${compact(rate)}/s ETA ${duration(eta)}`;
    const bar = (width: number): string => {
      const filled = Math.round(frac * width);
      return ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    };
    const extras = Object.entries(fields).map(([k, v]) => `${k} ${v}`);
    const line = (width: number, shown: number, label = this.label): string =>
      `${label}${width ? bar(width) : ''} ${status}${shown ? ` | ${extras.slice(0, shown).join(' ')}` : ''}`;
    // Give up room in this order: bar width (down to 10), fields (last first), the bar, the label.
    for (let shown = extras.length; shown >= 0; shown--) {
      for (const width of [24, 20, 16, 12, 10]) if (line(width, shown).length <= max) return line(width, shown);
    }
    if (line(0, 0).length <= max) return line(0, 0);
    const room = max - line(0, 0, '').length;
    return room >= 2 ? line(0, 0, `${this.label.slice(0, room - 1)}…`) : line(0, 0, '').trimStart().slice(0, Math.max(0, max));
  }
}

/**
 * Columns of the terminal a stream writes to: its own width on a terminal,
 * else `$COLUMNS`, else 80.
 */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number {
  if (stream.isTTY && stream.columns > 0) return stream.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : 80;
}

/**
 * A resolved config as short lines for the console: a title, then
 * `key: value` pairs packed into lines of at most `width` characters (unset
 * and empty values left out, long values cut with an ellipsis; the full
 * config belongs in a file).
 */
export function configLines(title: string, config: object, width = terminalWidth() - 1): string[] {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (value === null || value === undefined || (typeof value === 'object' && Object.keys(value as object).length === 0)) continue;
    const text = Array.isArray(value) ? value.join(',') : typeof value === 'object' ? JSON.stringify(value) : String(value);
    const pair = `${key}: ${text}`;
    pairs.push(pair.length > width - 2 ? `${pair.slice(0, Math.max(1, width - 3))}…` : pair);
  }
  const lines = [title];
  let current = '';
  for (const pair of pairs) {
    if (current && 2 + current.length + 2 + pair.length > width) {
      lines.push(`  ${current}`);
      current = pair;
    } else current = current ? `${current}  ${pair}` : pair;
  }
  if (current) lines.push(`  ${current}`);
  return lines;
}

/** 12345 -> "12.3k". */
export function compact(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (Math.abs(n) >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(n >= 100 ? 0 : 1);
}

/** Seconds -> "1h02m", "3m05s", "42s". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
