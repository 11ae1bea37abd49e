import { TcpTransport } from '../../src/client/tcp.ts';
import type { Request } from '../../src/protocol/messages.ts';
import { siblingEntry, startChildProcess, startChildServer, type ChildServer } from '../../src/server/child.ts';

/** Options of `measureTcpCeiling`. */
export interface TcpCeilingOptions {
  /** How long each server is measured. */
  seconds: number;
  /** Requests in flight at once (each on its own connection). */
  concurrency: number;
}

/** Requests per second that one client process gets through one TCP connection each. */
export interface TcpCeilingRow {
  server: 'plain node:net' | 'game-gym';
  concurrency: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
}

// Answered at once by both servers (the game server refuses it: no such session), so only connections are measured.
const REQUEST: Request = { type: 'state', game: 'TicTacToe', session: 'no-such-session', player_id: 0, key: 'x', observer: false };

/**
 * The TCP ceiling of the protocol on this machine: the protocol opens one
 * connection per request, so requests per second through a bare node:net
 * server (no game logic) bound what any server can do; the game server is
 * measured the same way beside it. Both servers run in a child process, the
 * client loops in this one, as in the protocol bench.
 */
export async function measureTcpCeiling(options: TcpCeilingOptions): Promise<TcpCeilingRow[]> {
  const rows: TcpCeilingRow[] = [];
  const servers: Array<[TcpCeilingRow['server'], () => Promise<ChildServer>]> = [
    ['plain node:net', () => startChildProcess(siblingEntry('plain-server-main', import.meta.url), [])],
    ['game-gym', () => startChildServer({ maxConnections: 65_536 })],
  ];
  for (const [name, start] of servers) {
    const child = await start();
    try {
      const transport = new TcpTransport({ host: child.host, port: child.port, retries: 0 });
      let requests = 0;
      const started = performance.now();
      const deadline = started + options.seconds * 1000;
      const loop = async (): Promise<void> => {
        while (performance.now() < deadline) {
          await transport.request(REQUEST, { timeoutMs: 10_000 });
          requests++;
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, loop));
      const seconds = (performance.now() - started) / 1000;
      rows.push({ server: name, concurrency: options.concurrency, seconds: Math.round(seconds * 100) / 100, requests, requestsPerSecond: Math.round(requests / seconds) });
    } finally {
      await child.stop();
    }
  }
  return rows;
}
