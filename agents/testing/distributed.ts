// Helpers of the distributed tests: real CLI processes and real Redis servers.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { waitFor } from '../../src/testing/wait.ts';
import { readManifest, readShard, type Manifest } from '../collect/shards.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A running CLI process with its output so far. */
export interface Cli {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Spawns `node scripts/game-gym.js ...args`. */
export function spawnCli(args: string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/game-gym.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of our own on a loopback port (no persistence), for tests that stop and restart it. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp'], { stdio: 'ignore' });
  const { Redis } = await import('ioredis');
  await waitFor(
    async () => {
      const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => {});
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    },
    `redis-server on port ${port}`,
    10_000,
    50,
  );
  return child;
}

/** Removes every key of a queue. */
export async function removeQueue(url: string, name: string): Promise<void> {
  const u = new URL(url);
  const queue = new Queue(name, { connection: { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null } });
  queue.on('error', () => {});
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
}

/** The collection's manifest and the episode ids of all its rows, each listed once per (episode, seat, step). */
export async function collectionIds(dir: string): Promise<{ manifest: Manifest; episodeIds: number[]; rows: number }> {
  const manifest = (await readManifest(dir)) as Manifest;
  const ids = new Set<number>();
  let rows = 0;
  for (const s of manifest.shards) {
    const shardRows = await readShard(path.join(dir, s.file));
    rows += shardRows.length;
    for (const r of shardRows) ids.add(r.episode_id);
  }
  return { manifest, episodeIds: [...ids].sort((a, b) => a - b), rows };
}
