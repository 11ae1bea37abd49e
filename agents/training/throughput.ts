import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchTransport } from '../bench/bench.ts';
import { startChildServer } from '../../src/server/child.ts';
import type { AgentName } from './registry.ts';
import { train } from './trainer.ts';

/** One measured (agent, transport) pair. */
export interface TrainThroughputRow {
  agent: AgentName;
  transport: BenchTransport;
  envs: number;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  backend: string;
}

/**
 * Environment steps per second while learning: a short training run of each
 * agent on TicTacToe vs random with `envs` sessions, in process and over TCP
 * (a server in a child process). Evaluation is pushed past the end of the run.
 */
export async function measureTrainingThroughput(options: {
  agents: AgentName[];
  transports: BenchTransport[];
  envs: number;
  steps: number;
  seed: number;
  onStart?: (what: string) => void;
}): Promise<TrainThroughputRow[]> {
  const rows: TrainThroughputRow[] = [];
  const out = await mkdtemp(path.join(os.tmpdir(), 'gsg-throughput-'));
  try {
    for (const transport of options.transports) {
      for (const agent of options.agents) {
        options.onStart?.(`${agent} over ${transport}`);
        const child = transport === 'tcp' ? await startChildServer({ seed: options.seed, maxConnections: 65_536 }) : undefined;
        try {
          const result = await train(
            {
              agent,
              envs: options.envs,
              steps: options.steps,
              seed: options.seed,
              out,
              server: child ? `${child.host}:${child.port}` : 'embedded',
              evalEvery: options.steps * 10,
              checkpointEvery: options.steps * 10,
              evalGames: 1,
              evalOpponents: ['random'],
            },
            { log: () => {}, progress: false },
          );
          rows.push({
            agent,
            transport,
            envs: options.envs,
            steps: result.envSteps,
            seconds: result.seconds,
            stepsPerSecond: Math.round(result.envSteps / result.seconds),
            backend: result.backend,
          });
        } finally {
          await child?.stop();
        }
      }
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
  return rows;
}
