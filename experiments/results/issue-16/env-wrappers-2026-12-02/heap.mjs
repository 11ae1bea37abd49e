// Usage: node --import tsx heap.mjs <checkout> [steps]: bytes allocated per env step (one TicTacToe env vs the random bot, in process), by function.
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
const [dir, steps = '50000'] = process.argv.slice(2);
const { makeEnv } = await import(`${dir}/src/env/env.ts`);
const { randomLegal } = await import(`${dir}/src/env/bots.ts`);
const { SeededRng } = await import(`${dir}/src/core/rng.ts`);
const { GameFramework } = await import(`${dir}/src/server/framework.ts`);
const server = new GameFramework({ seed: 1 });
const env = makeEnv('TicTacToe', { server, seed: 1 });
const rng = new SeededRng(1);
let { info } = await env.reset({ seed: 1 });
for (let i = 0; i < 20000; i++) {
  const r = await env.step(randomLegal(info.actionMask, rng));
  ({ info } = r.terminated || r.truncated ? await env.reset() : r);
}
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
for (let i = 0; i < Number(steps); i++) {
  const r = await env.step(randomLegal(info.actionMask, rng));
  ({ info } = r.terminated || r.truncated ? await env.reset() : r);
}
const { profile } = await session.post('HeapProfiler.stopSampling');
// self bytes per function
const self = new Map();
let total = 0;
const walk = (n) => {
  const f = n.callFrame;
  const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + n.selfSize);
  total += n.selfSize;
  n.children.forEach(walk);
};
walk(profile.head);
console.log(`bytes per step ~ ${Math.round(total / Number(steps))}`);
for (const [k, b] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${(b / Number(steps)).toFixed(0).padStart(6)} B/step  ${k}`);
await env.close();
server.close();
