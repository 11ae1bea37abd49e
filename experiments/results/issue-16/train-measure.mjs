// One short in-process training run with the main job's settings (experiments/configs/start.json for DQN, defaults
// for PPO), TicTacToe, 16 envs, no evaluation or checkpoint in the window, measured by wall and CPU time for the whole
// train() call and for the training loop alone ("loop": from the run folder's log line, just before play starts, to
// the last step's log line, before the final evaluation and checkpoint). Used by ab-train.mjs and train-loop.mjs.
import { readFileSync } from 'node:fs';
import os from 'node:os';

const start = JSON.parse(readFileSync(new URL('../../configs/start.json', import.meta.url), 'utf8'));

/** `train` is a checkout's trainer (agents/training/trainer.ts); `out` a scratch folder for the run. */
export async function measureTraining(train, agent, steps, out) {
  const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  const cpu0 = process.cpuUsage();
  const marks = {};
  const mark = (name) => (marks[name] = { cpu: process.cpuUsage(), wall: performance.now() });
  const log = (line) => {
    if (line.startsWith('run folder:')) mark('start');
    if (line.startsWith('step ')) mark('end');
  };
  const r = await train(
    {
      game: 'TicTacToe', agent, opponent: 'mix', opponentMix: start['opponent-mix'], envs: start.envs, steps, seed: 1, out,
      evalEvery: steps * 10, checkpointEvery: steps * 10, logEvery: steps, evalGames: 1, evalOpponents: ['random'],
      agentConfig: agent === 'dqn' ? start['agent-config'] : {},
    },
    { log, progress: false },
  );
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const loopCpu = (marks.end.cpu.user + marks.end.cpu.system - marks.start.cpu.user - marks.start.cpu.system) / 1e6;
  const loopWall = (marks.end.wall - marks.start.wall) / 1000;
  return {
    agent, steps: r.envSteps, wall: r.seconds, stepsPerSecond: Math.round(r.envSteps / r.seconds), cpuSeconds, stepsPerCpuSecond: Math.round(r.envSteps / cpuSeconds),
    loopWall, loopStepsPerSecond: Math.round(r.envSteps / loopWall), loopCpu, loopStepsPerCpuSecond: Math.round(r.envSteps / loopCpu), load, loadAfter: os.loadavg()[0],
  };
}
