// Usage: node --import tsx loop.mjs <checkout> [seconds]: one TicTacToe env vs the random bot in process, plain
// reset/step loop after a 1 s warm-up; prints steps, wall and CPU seconds.
import { oneEnv } from './one-env.mjs';

const [dir, seconds = '5'] = process.argv.slice(2);
const env = await oneEnv(dir);
const t0 = performance.now();
while (performance.now() - t0 < 1000) await env.step();
let steps = 0;
const started = performance.now();
const cpu0 = process.cpuUsage();
while (performance.now() - started < Number(seconds) * 1000) {
  await env.step();
  steps++;
}
const wall = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
await env.close();
console.log(JSON.stringify({ steps, wall: +wall.toFixed(2), stepsPerSecond: Math.round(steps / wall), cpu: +cpuS.toFixed(2), stepsPerCpuSecond: Math.round(steps / cpuS) }));
