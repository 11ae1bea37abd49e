// One short in-process training run with the main job's settings (experiments/configs/start.json for DQN,
// defaults for PPO), TicTacToe, no evaluation or checkpoint in the window; prints env steps per wall and CPU second
// of the whole train() call, and of the training loop alone ("loop": from the run folder's log line, just before
// play starts, to the log line of the last step, before the final evaluation and checkpoint).
// Usage: node --import tsx [--cpu-prof --cpu-prof-dir DIR] experiments/results/issue-16/train-loop.mjs <dqn|ppo> <steps> [checkout]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [agent, steps, dir = new URL('../../..', import.meta.url).pathname] = process.argv.slice(2);
const start = JSON.parse(readFileSync(new URL('../../configs/start.json', import.meta.url), 'utf8'));
const { train } = await import(`${dir}/agents/training/trainer.ts`);
const out = mkdtempSync(path.join(os.tmpdir(), 'train-loop-'));
const n = Number(steps);
const cpu0 = process.cpuUsage();
const marks = {};
const mark = (name) => (marks[name] = { cpu: process.cpuUsage(), wall: performance.now() });
const log = (line) => {
  if (line.startsWith('run folder:')) mark('start');
  if (line.startsWith('step ')) mark('end');
};
const r = await train(
  {
    game: 'TicTacToe', agent, opponent: 'mix', opponentMix: start['opponent-mix'], envs: start.envs, steps: n, seed: 1, out,
    evalEvery: n * 10, checkpointEvery: n * 10, logEvery: n, evalGames: 1, evalOpponents: ['random'],
    agentConfig: agent === 'dqn' ? start['agent-config'] : {},
  },
  { log, progress: false },
);
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const loopCpu = (marks.end.cpu.user + marks.end.cpu.system - marks.start.cpu.user - marks.start.cpu.system) / 1e6;
const loopWall = (marks.end.wall - marks.start.wall) / 1000;
console.log(
  JSON.stringify({
    agent, steps: r.envSteps, wall: r.seconds, stepsPerSecond: Math.round(r.envSteps / r.seconds), cpuSeconds, stepsPerCpuSecond: Math.round(r.envSteps / cpuSeconds),
    loopWall, loopStepsPerSecond: Math.round(r.envSteps / loopWall), loopCpu, loopStepsPerCpuSecond: Math.round(r.envSteps / loopCpu), load: os.loadavg()[0],
  }),
);
rmSync(out, { recursive: true, force: true });
