/**
 * `game-gym bench --suite train-actors`: DQN training steps per second on
 * TicTacToe vs random with 0 (one process) and N actor processes, with the
 * CPU seconds used (learner and actors), the load average of the machine,
 * the bytes per transition of the packed experience and the policy lag.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TRAIN_DEFAULTS } from '../training/config.ts';
import { train, type ExperienceSource, type ExperienceSourceFactory } from '../training/trainer.ts';
import { actorExperience } from './train-actors.ts';

/** One measured configuration. */
export interface TrainActorsRow {
  actors: number;
  sessionsPerProcess: number;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  cpuSeconds: number;
  learnerCpuSeconds: number;
  stepsPerCpuSecond: number;
  /** Env steps per CPU-second of the learner process alone: the most one learner takes in, however many actors feed it. */
  stepsPerLearnerCpuSecond: number;
  loadAverage1m: number;
  bytesPerTransition: number | null;
  policyLag: number | null;
  weightsVersions: number | null;
}

/** Trains `steps` env steps with `actors` actor processes (0: in this process) and measures it. */
export async function measureTrainActors(o: { actors: number; steps: number; envs: number; seed: number }): Promise<TrainActorsRow> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'gsg-train-bench-'));
  try {
    const cpu = process.cpuUsage();
    const config = {
      // The trainer's default game (TicTacToe): the figures compare with the single-process train bench.
      game: TRAIN_DEFAULTS.game,
      agent: 'dqn' as const,
      envs: o.envs,
      steps: o.steps,
      seed: o.seed,
      out,
      runName: 'bench',
      // Measured without evaluations and checkpoints in between (the final evaluation is after the last log line).
      evalEvery: o.steps * 10,
      evalGames: 2,
      evalOpponents: ['random'],
      checkpointEvery: o.steps * 10,
      logEvery: Math.max(1, Math.floor(o.steps / 4)),
      keepBest: false,
    };
    const factory = o.actors > 0 ? actorExperience({ actors: o.actors }) : undefined;
    let source: ExperienceSource | undefined;
    // Kept to read its stats after the run: the actors report their CPU when they stop.
    const experience: ExperienceSourceFactory | undefined = factory && (async (run) => (source = await factory(run)));
    const result = await train(config, { progress: false, log: () => {}, ...(experience ? { experience } : {}) });
    const used = process.cpuUsage(cpu);
    const rows = (await readFile(path.join(result.runDir, 'metrics.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; step: number; seconds: number; learner?: Record<string, number> });
    const last = rows.filter((r) => r.type === 'train').at(-1);
    const learner = last?.learner ?? {};
    const actorCpu = source?.stats().actorCpuSeconds ?? 0;
    const learnerCpu = (used.user + used.system) / 1e6;
    const cpuSeconds = learnerCpu + actorCpu;
    const steps = last?.step ?? result.envSteps;
    const seconds = last?.seconds ?? result.seconds;
    return {
      actors: o.actors,
      sessionsPerProcess: o.envs,
      steps,
      seconds,
      stepsPerSecond: Math.round(steps / seconds),
      cpuSeconds: Math.round(cpuSeconds * 10) / 10,
      learnerCpuSeconds: Math.round(learnerCpu * 10) / 10,
      stepsPerCpuSecond: Math.round(result.envSteps / cpuSeconds),
      stepsPerLearnerCpuSecond: Math.round(result.envSteps / learnerCpu),
      loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
      bytesPerTransition: learner.bytesPerTransition ?? null,
      policyLag: learner.policyLag ?? null,
      weightsVersions: learner.weightsVersion ?? null,
    };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
