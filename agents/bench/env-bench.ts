import { randomLegal } from '../../src/env/bots.ts';
import { makeEnv } from '../../src/env/env.ts';
import { DEFAULT_GAME } from '../../src/games/builtins.ts';
import { startChildServer } from '../../src/server/child.ts';
import { GameFramework } from '../../src/server/framework.ts';
import { SeededRng } from '../../src/core/rng.ts';
import { AsyncVectorEnv } from '../../src/vector/async-vector.ts';
import type { BenchTransport } from './bench.ts';
import { playRandomTicTacToe } from './random-play.ts';

/** Options of `runEnvBench`. */
export interface EnvBenchOptions {
  transports: BenchTransport[];
  /** Numbers of envs: 1 measures a single env's reset/step loop, more an AsyncVectorEnv. */
  envs: number[];
  seconds: number;
  /** Play before measuring, so the JIT has compiled the hot path (default 1). */
  warmupSeconds?: number;
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
  /** Moves of every seat (the env's and the bots') per second. */
  movesPerSecond: number;
  /** TicTacToe: moves per second of bare `GameClient`s playing random games in as many sessions on the same server right after (null for other games). */
  bareMovesPerSecond: number | null;
  /** movesPerSecond / bareMovesPerSecond: what the env layer keeps of the protocol's speed. */
  envVsBare: number | null;
  /** Every seat's moves per second of this process's CPU time (over TCP the server's is not in it). */
  movesPerCpuSecond: number;
  /** The bare clients' moves per second of this process's CPU time (null for other games). */
  bareMovesPerCpuSecond: number | null;
  /** movesPerCpuSecond / bareMovesPerCpuSecond: the ratio by CPU time, steadier on a loaded machine. */
  envVsBareCpu: number | null;
  /** Requests the bare clients sent per move. */
  bareRequestsPerMove: number | null;
}

/**
 * Env steps per second with random masked actions against random opponents:
 * one env stepped in a loop, or many sessions in an AsyncVectorEnv (send/recv,
 * half the envs per batch), in process or over TCP to a server in a child
 * process (as users run it). For TicTacToe, bare clients then play the same
 * games on the same server for the same time, for the ratio.
 */
export async function runEnvBench(options: EnvBenchOptions): Promise<EnvBenchRow[]> {
  const game = options.game ?? DEFAULT_GAME;
  const pairs = options.transports.flatMap((transport) => options.envs.map((envs) => ({ transport, envs })));
  const rows: EnvBenchRow[] = [];
  let index = 0;
  for (const { transport, envs } of pairs) {
    options.onStart?.({ transport, envs, index: index++, total: pairs.length });
    const child = transport === 'tcp' ? await startChildServer({ seed: options.seed, maxConnections: 65_536 }) : undefined;
    const framework = child ? undefined : new GameFramework({ seed: options.seed });
    const server = child ? `${child.host}:${child.port}` : (framework as GameFramework);
    try {
      const warmup = options.warmupSeconds ?? 1;
      if (warmup > 0) await playEnvs(game, server, envs, warmup, options.seed);
      const run = await playEnvs(game, server, envs, options.seconds, options.seed);
      let bareMovesPerSecond: number | null = null;
      let bareMovesPerCpuSecond: number | null = null;
      let bareRequestsPerMove: number | null = null;
      if (game === 'TicTacToe') {
        const started = performance.now();
        const cpuStart = process.cpuUsage();
        const tally = await playRandomTicTacToe({
          client: child ? { host: child.host, port: child.port } : { server: framework as GameFramework },
          sessions: envs,
          durationMs: options.seconds * 1000,
          seed: options.seed,
          recordLatency: false,
          prefix: `bare-${transport}-${envs}`,
        });
        bareMovesPerSecond = Math.round(tally.moves / ((performance.now() - started) / 1000));
        const cpu = process.cpuUsage(cpuStart);
        bareMovesPerCpuSecond = Math.round(tally.moves / ((cpu.user + cpu.system) / 1e6));
        bareRequestsPerMove = round(tally.requests / Math.max(1, tally.moves), 2);
      }
      const movesPerSecond = Math.round(run.moves / run.seconds);
      const movesPerCpuSecond = Math.round(run.moves / run.cpuSeconds);
      rows.push({
        game,
        transport,
        envs,
        seconds: round(run.seconds, 2),
        steps: run.steps,
        episodes: run.episodes,
        stepsPerSecond: Math.round(run.steps / run.seconds),
        cpuSeconds: round(run.cpuSeconds, 3),
        stepsPerCpuSecond: Math.round(run.steps / run.cpuSeconds),
        movesPerSecond,
        bareMovesPerSecond,
        envVsBare: bareMovesPerSecond ? round(movesPerSecond / bareMovesPerSecond, 2) : null,
        movesPerCpuSecond,
        bareMovesPerCpuSecond,
        envVsBareCpu: bareMovesPerCpuSecond ? round(movesPerCpuSecond / bareMovesPerCpuSecond, 2) : null,
        bareRequestsPerMove,
      });
    } finally {
      if (child) await child.stop();
      framework?.close();
    }
  }
  return rows;
}

/** Steps `envs` envs of `game` on `server` for `seconds` with random masked actions; counts steps, episodes and every seat's moves. */
async function playEnvs(game: string, server: GameFramework | string, envs: number, seconds: number, seed: number) {
  const made = Array.from({ length: envs }, (_, i) => makeEnv(game, { server, seed: seed + i }));
  const vector = new AsyncVectorEnv(made, { batchSize: Math.max(1, Math.floor(envs / 2)) });
  const rng = new SeededRng(`env-bench-${seed}`);
  let steps = 0;
  let episodes = 0;
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const deadline = started + seconds * 1000;
  vector.asyncReset({ seed });
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
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const botMoves = made.reduce((sum, env) => sum + env.opponentSeats.reduce((s, bot) => s + bot.moves, 0), 0);
  while (true) {
    try {
      await vector.recv({ timeoutMs: 5000 });
    } catch {
      break;
    }
  }
  await vector.close();
  // The bots' moves are counted to the end of the window (within a step of it), the env's own are its steps.
  return { seconds: elapsed, steps, episodes, moves: steps + botMoves, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
