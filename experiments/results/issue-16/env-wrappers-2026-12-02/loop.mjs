// Usage: node --import tsx loop.mjs <checkout> [seconds]: one TicTacToe env vs the random bot in process, plain reset/step loop.
// One TicTacToe env vs the random bot in process, plain reset/step loop; prints steps, wall, cpu.
const [dir, seconds = '5'] = process.argv.slice(2);
const { makeEnv } = await import(`${dir}/src/env/env.ts`);
const { randomLegal } = await import(`${dir}/src/env/bots.ts`);
const { SeededRng } = await import(`${dir}/src/core/rng.ts`);
const { GameFramework } = await import(`${dir}/src/server/framework.ts`);
const server = new GameFramework({ seed: 1 });
const env = makeEnv('TicTacToe', { server, seed: 1 });
const rng = new SeededRng(1);
let steps = 0;
let { info } = await env.reset({ seed: 1 });
// warm-up 1 s
let t0 = performance.now();
while (performance.now() - t0 < 1000) {
  const r = await env.step(randomLegal(info.actionMask, rng));
  ({ info } = r.terminated || r.truncated ? await env.reset() : r);
}
const started = performance.now();
const cpu0 = process.cpuUsage();
while (performance.now() - started < Number(seconds) * 1000) {
  const r = await env.step(randomLegal(info.actionMask, rng));
  steps++;
  ({ info } = r.terminated || r.truncated ? await env.reset() : r);
}
const wall = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
await env.close();
server.close();
console.log(JSON.stringify({ steps, wall: +wall.toFixed(2), stepsPerSecond: Math.round(steps / wall), cpu: +cpuS.toFixed(2), stepsPerCpuSecond: Math.round(steps / cpuS) }));
