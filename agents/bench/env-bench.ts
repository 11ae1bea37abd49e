import { randomLegal } from '../../src/env/bots.ts';
import { makeEnv } from '../../src/env/env.ts';
import { DEFAULT_GAME } from '../../src/games/builtins.ts';
import { startChildServer } from '../../src/server/child.ts';
import { GameFramework } from '../../src/server/framework.ts';
import { SeededRng } from '../../src/core/rng.ts';
import { AsyncVectorEnv } from '../../src/vector/async-vector.ts';
import type { BenchTransport } from './bench.ts';

/** Options of `runEnvBench`. */
export interface EnvBenchOptions {
  transports: BenchTransport[];
  /** Numbers of envs: 1 measures a single env's reset/step loop, more an AsyncVectorEnv. */
  envs: number[];
  seconds: number;
  seed: number;
  game?: string;
  onStart?: (row: { transport: BenchTransport; envs: number; index: number; total: number }) => void;
}

/** One measured (transport, envs) pair. */
export interface EnvBenchRow {
  game: string;
  transport: BenchTransport;
  envs: number;
  seconds: number;
  steps: number;
  episodes: number;
  stepsPerSecond: number;
  /** CPU time of this process while measuring (over TCP the server's, in its child process, is not in it). */
  cpuSeconds: number;
  /** Steps per second of this process's CPU time: steadier than wall time when others share the machine. */
  stepsPerCpuSecond: number;
}

/**
 * Env steps per second with random masked actions against random opponents:
 * one env stepped in a loop, or many sessions in an AsyncVectorEnv (send/recv,
 * half the envs per batch).
 */
export async function runEnvBench(options: EnvBenchOptions): Promise<EnvBenchRow[]> {
  const game = options.game ?? DEFAULT_GAME;
  const pairs = options.transports.flatMap((transport) => options.envs.map((envs) => ({ transport, envs })));
  const rows: EnvBenchRow[] = [];
  let index = 0;
  for (const { transport, envs } of pairs) {
    options.onStart?.({ transport, envs, index: index++, total: pairs.length });
    const child = transport === 'tcp' ? await startChildServer({ seed: options.seed, maxConnections: 65_536 }) : undefined;
    const server = child ? `${child.host}:${child.port}` : new GameFramework({ seed: options.seed });
    try {
      const vector = new AsyncVectorEnv(
        Array.from({ length: envs }, (_, i) => makeEnv(game, { server, seed: options.seed + i })),
        { batchSize: Math.max(1, Math.floor(envs / 2)) },
      );
      const rng = new SeededRng(`env-bench-${options.seed}`);
      let steps = 0;
      let episodes = 0;
      const started = performance.now();
      const cpuStart = process.cpuUsage();
      const deadline = started + options.seconds * 1000;
      vector.asyncReset({ seed: options.seed });
      while (performance.now() < deadline) {
        const batch = await vector.recv();
        const actions = batch.envIds.map((_, k) => {
          if (batch.terminated[k] || batch.truncated[k]) {
            episodes++;
            return 0; // ignored: next-step autoreset
          }
          steps++;
          return randomLegal(batch.infos[k]!.actionMask, rng);
        });
        vector.send(actions, batch.envIds);
      }
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuStart);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      while (true) {
        try {
          await vector.recv({ timeoutMs: 5000 });
        } catch {
          break;
        }
      }
      await vector.close();
      rows.push({ game, transport, envs, seconds: Math.round(seconds * 100) / 100, steps, episodes, stepsPerSecond: Math.round(steps / seconds), cpuSeconds: Math.round(cpuSeconds * 100) / 100, stepsPerCpuSecond: Math.round(steps / cpuSeconds) });
    } finally {
      if (child) await child.stop();
      if (server instanceof GameFramework) server.close();
    }
  }
  return rows;
}
