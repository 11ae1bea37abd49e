// Old vs new training throughput in one run, alternating checkouts, each with its own trainer (train-measure.mjs:
// DQN with the main job's settings, PPO with its defaults, TicTacToe in process, whole run and training loop alone).
// Usage: node --import tsx experiments/results/issue-16/ab-train.mjs <rounds> <steps> <label=checkout> ...
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureTraining } from './train-measure.mjs';

const [rounds, steps, ...sides] = process.argv.slice(2);
const checkouts = sides.map((s) => s.split('='));
const out = mkdtempSync(path.join(os.tmpdir(), 'ab-train-'));
console.log('| round | checkout | agent | env steps | wall s | steps/s | cpu s | steps/cpu-s | loop wall s | loop steps/s | loop cpu s | loop steps/cpu-s | load |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (let round = 1; round <= Number(rounds); round++) {
  for (const [label, dir] of checkouts) {
    const { train } = await import(`${dir}/agents/training/trainer.ts`);
    for (const agent of ['dqn', 'ppo']) {
      const m = await measureTraining(train, agent, Number(steps), out);
      console.log(
        `| ${round} | ${label} | ${agent} | ${m.steps} | ${m.wall} | ${m.stepsPerSecond} | ${m.cpuSeconds.toFixed(2)} | ${m.stepsPerCpuSecond} ` +
          `| ${m.loopWall.toFixed(2)} | ${m.loopStepsPerSecond} | ${m.loopCpu.toFixed(2)} | ${m.loopStepsPerCpuSecond} | ${m.load} |`,
      );
    }
  }
}
rmSync(out, { recursive: true, force: true });
