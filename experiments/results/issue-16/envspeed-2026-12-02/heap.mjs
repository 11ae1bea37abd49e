// Usage: node --import tsx heap.mjs <checkout> [steps]: bytes allocated per env step (one TicTacToe env vs the random
// bot, in process) by allocating function, from the inspector's sampling heap profiler with collected objects included.
import { Session } from 'node:inspector/promises';
import { oneEnv } from './one-env.mjs';

const [dir, steps = '50000'] = process.argv.slice(2);
const env = await oneEnv(dir);
for (let i = 0; i < 20000; i++) await env.step();
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
for (let i = 0; i < Number(steps); i++) await env.step();
const { profile } = await session.post('HeapProfiler.stopSampling');
const self = new Map();
let total = 0;
const walk = (node) => {
  const f = node.callFrame;
  const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + node.selfSize);
  total += node.selfSize;
  node.children.forEach(walk);
};
walk(profile.head);
console.log(`bytes per step ~ ${Math.round(total / Number(steps))}`);
for (const [k, b] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${(b / Number(steps)).toFixed(0).padStart(6)} B/step  ${k}`);
await env.close();
