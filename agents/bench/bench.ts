import os from 'node:os';
import { GameFramework } from '../../src/server/framework.ts';
import { startChildServer } from '../../src/server/child.ts';
import { playRandomTicTacToe, quantile } from './random-play.ts';

/** Where the bench's clients send requests. */
export type BenchTransport = 'tcp' | 'in-process';

/** Options of `runProtocolBench`. */
export interface ProtocolBenchOptions {
  transports: BenchTransport[];
  sessions: number[];
  /** How long each (transport, sessions) pair plays. */
  seconds: number;
  /** Play before measuring, so the JIT has compiled the hot path (default 1). */
  warmupSeconds?: number;
  /** `embedded` starts a server in a child process for TCP; `host:port` uses a running one (TCP only). */
  server: string;
  seed: number;
  /** Called before each pair is measured, for progress display. */
  onStart?: (row: { transport: BenchTransport; sessions: number; index: number; total: number }) => void;
}

/** One measured (transport, sessions) pair. */
export interface ProtocolBenchRow {
  transport: BenchTransport;
  sessions: number;
  seconds: number;
  moves: number;
  games: number;
  movesPerSecond: number;
  gamesPerSecond: number;
  /** Requests (one TCP connection each over TCP) per move, joins and restarts included. */
  requestsPerMove: number;
  p50Ms: number;
  p99Ms: number;
}

/** What the machine is, for recorded results. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

/** Describes this machine. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/**
 * Random-vs-random TicTacToe through real clients over each transport and
 * number of sessions: moves per second and move latency.
 */
export async function runProtocolBench(options: ProtocolBenchOptions): Promise<ProtocolBenchRow[]> {
  const rows: ProtocolBenchRow[] = [];
  const pairs = options.transports.flatMap((transport) => options.sessions.map((sessions) => ({ transport, sessions })));
  let index = 0;
  for (const { transport, sessions } of pairs) {
    options.onStart?.({ transport, sessions, index: index++, total: pairs.length });
    rows.push(await measure(transport, sessions, options));
  }
  return rows;
}

async function measure(transport: BenchTransport, sessions: number, options: ProtocolBenchOptions): Promise<ProtocolBenchRow> {
  let client: Parameters<typeof playRandomTicTacToe>[0]['client'];
  let cleanup = async (): Promise<void> => {};
  if (transport === 'in-process') {
    const framework = new GameFramework({ seed: options.seed });
    client = { server: framework };
    cleanup = async () => framework.close();
  } else if (options.server === 'embedded') {
    // The server gets its own process (and core), as a real deployment would.
    const child = await startChildServer({ seed: options.seed, maxConnections: 65_536 });
    client = { host: child.host, port: child.port };
    cleanup = child.stop;
  } else {
    const [host, port] = splitAddress(options.server);
    client = { host, port };
  }
  try {
    const warmup = options.warmupSeconds ?? 1;
    if (warmup > 0) {
      await playRandomTicTacToe({
        client,
        sessions,
        durationMs: warmup * 1000,
        seed: options.seed,
        recordLatency: false,
        prefix: `warmup-${transport}-${sessions}-${Date.now().toString(36)}`,
      });
    }
    const started = performance.now();
    const tally = await playRandomTicTacToe({
      client,
      sessions,
      durationMs: options.seconds * 1000,
      seed: options.seed,
      prefix: `bench-${transport}-${sessions}-${Date.now().toString(36)}`,
    });
    const seconds = (performance.now() - started) / 1000;
    return {
      transport,
      sessions,
      seconds: round(seconds, 2),
      moves: tally.moves,
      games: tally.games,
      movesPerSecond: Math.round(tally.moves / seconds),
      gamesPerSecond: Math.round(tally.games / seconds),
      requestsPerMove: round(tally.requests / Math.max(1, tally.moves), 2),
      p50Ms: round(quantile(tally.moveLatenciesMs, 0.5), 3),
      p99Ms: round(quantile(tally.moveLatenciesMs, 0.99), 3),
    };
  } finally {
    await cleanup();
  }
}

/** Splits "host:port" (or "[v6]:port"). */
export function splitAddress(address: string): [string, number] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!m) throw new TypeError(`Expected a server address like 127.0.0.1:4711, got ${JSON.stringify(address)}`);
  return [m[1] as string, Number(m[2])];
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A benchmark record as stored under experiments/results/. */
export interface BenchRecord {
  name: string;
  date: string;
  command: string;
  machine: MachineInfo;
  config: unknown;
  rows: unknown[];
}

/** Formats rows as a Markdown table (columns from the first row's keys). */
export function markdownTable(rows: Array<Record<string, unknown>>): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0] as object);
  const line = (cells: unknown[]): string => `| ${cells.map(String).join(' | ')} |`;
  return [line(cols), line(cols.map(() => '---')), ...rows.map((r) => line(cols.map((c) => r[c])))].join('\n');
}
