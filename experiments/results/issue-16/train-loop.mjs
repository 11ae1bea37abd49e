// One training run of train-measure.mjs in one checkout (default: this one), for profiling; prints its figures as JSON.
// Usage: node --import tsx [--cpu-prof --cpu-prof-dir DIR] experiments/results/issue-16/train-loop.mjs <dqn|ppo> <steps> [checkout]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureTraining } from './train-measure.mjs';

const [agent, steps, dir = new URL('../../..', import.meta.url).pathname] = process.argv.slice(2);
const { train } = await import(`${dir}/agents/training/trainer.ts`);
const out = mkdtempSync(path.join(os.tmpdir(), 'train-loop-'));
console.log(JSON.stringify(await measureTraining(train, agent, Number(steps), out)));
rmSync(out, { recursive: true, force: true });
