/** Options of `ProgressBar`. */
export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Least time between two redraws. Default 250 ms. */
  intervalMs?: number;
}

/**
 * A one-line progress bar for long work: `label [#####.....] 45% 12.3k/s ETA
 * 1m05s | extra fields`. Redrawn in place on a terminal; elsewhere (CI, a
 * log file) it prints a plain line every tenth of the way.
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
    const line = this.format(done, fields, now);
    if (tty) this.stream.write(`\r\u001b[2K${line.slice(0, (this.stream.columns ?? 120) - 1)}`);
    else this.stream.write(`${line}\n`);
  }

  finish(done: number, fields: Record<string, string | number> = {}): void {
    this.update(done, fields, true);
    if (this.stream.isTTY) this.stream.write('\n');
  }

  private format(done: number, fields: Record<string, string | number>, now: number): string {
    const frac = Math.min(1, done / this.total);
    const width = 24;
    const filled = Math.round(frac * width);
    const seconds = (now - this.started) / 1000;
    const rate = done / Math.max(seconds, 1e-9);
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k} ${v}`)
      .join(' ');
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * frac).toFixed(0).padStart(3)}% ${compact(rate)}/s ETA ${duration(eta)}${extra ? ` | ${extra}` : ''}`;
  }
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
