// Old vs new training throughput in one run, alternating checkouts, each with its own trainer: DQN with the
// main job's settings (experiments/configs/start.json: 16 envs, 70% random / 30% minimax, its agent config)
// and PPO with its defaults on the same games, TicTacToe in process, no evaluation or checkpoint in the window.
// "loop" figures: from the run folder's log line (just before play starts) to the last step's log line (before the
// final evaluation and checkpoint, which the whole-run figures include).
// Usage: node --import tsx experiments/results/issue-16/ab-train.mjs <rounds> <steps> <label=checkout> ...
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [rounds, steps, ...sides] = process.argv.slice(2);
const checkouts = sides.map((s) => s.split('='));
const start = JSON.parse(readFileSync(new URL('../../configs/start.json', import.meta.url), 'utf8'));
const out = mkdtempSync(path.join(os.tmpdir(), 'ab-train-'));
console.log('| round | checkout | agent | env steps | wall s | steps/s | cpu s | steps/cpu-s | loop wall s | loop steps/s | loop cpu s | loop steps/cpu-s | load |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (let round = 1; round <= Number(rounds); round++) {
  for (const [label, dir] of checkouts) {
    const { train } = await import(`${dir}/agents/training/trainer.ts`);
    for (const agent of ['dqn', 'ppo']) {
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      const cpu0 = process.cpuUsage();
      const n = Number(steps);
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
        `| ${round} | ${label} | ${agent} | ${r.envSteps} | ${r.seconds} | ${Math.round(r.envSteps / r.seconds)} | ${cpuSeconds.toFixed(2)} | ${Math.round(r.envSteps / cpuSeconds)} ` +
          `| ${loopWall.toFixed(2)} | ${Math.round(r.envSteps / loopWall)} | ${loopCpu.toFixed(2)} | ${Math.round(r.envSteps / loopCpu)} | ${load} |`,
      );
    }
  }
}
rmSync(out, { recursive: true, force: true });
