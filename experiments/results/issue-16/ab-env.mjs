// Old vs new env steps in one run, alternating checkouts, each with its own code: a single env stepped in a
// plain loop (makeEnv, reset/step), and each checkout's runEnvBench (src/bench/env-bench.ts: 1 env or 64 in
// an AsyncVectorEnv), all TicTacToe vs the random bot in process. Timed by wall clock and by this process's
// CPU time: the machine is shared, and CPU time is the steadier figure.
// Usage: node --import tsx experiments/results/issue-16/ab-env.mjs <rounds> <seconds> <label=checkout> ...
import { readFileSync } from 'node:fs';

const [rounds, seconds, ...sides] = process.argv.slice(2);
const checkouts = sides.map((s) => s.split('='));

async function loop(dir) {
  const { makeEnv } = await import(`${dir}/src/env/env.ts`);
  const { randomLegal } = await import(`${dir}/src/env/bots.ts`);
  const { SeededRng } = await import(`${dir}/src/server/rng.ts`);
  const { GameFramework } = await import(`${dir}/src/server/framework.ts`);
  const server = new GameFramework({ seed: 1 });
  const env = makeEnv('TicTacToe', { server, seed: 1 });
  const rng = new SeededRng(1);
  let steps = 0;
  let { info } = await env.reset({ seed: 1 });
  const started = performance.now();
  while (performance.now() - started < Number(seconds) * 1000) {
    const r = await env.step(randomLegal(info.actionMask, rng));
    steps++;
    ({ info } = r.terminated || r.truncated ? await env.reset() : r);
  }
  const wall = (performance.now() - started) / 1000;
  await env.close();
  server.close();
  return { steps, seconds: Math.round(wall * 100) / 100, stepsPerSecond: Math.round(steps / wall) };
}

console.log('| round | checkout | what | steps | wall s | steps/s | cpu s | steps/cpu-s | load |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (let round = 1; round <= Number(rounds); round++) {
  for (const [label, dir] of checkouts) {
    const { runEnvBench } = await import(`${dir}/src/bench/env-bench.ts`);
    const cases = [
      ['1 env, plain loop', () => loop(dir)],
      ['1 env, bench (vector)', async () => (await runEnvBench({ transports: ['in-process'], envs: [1], seconds: Number(seconds), seed: 1 }))[0]],
      ['64 envs, bench (vector)', async () => (await runEnvBench({ transports: ['in-process'], envs: [64], seconds: Number(seconds), seed: 1 }))[0]],
    ];
    for (const [what, run] of cases) {
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      const cpu0 = process.cpuUsage();
      const row = await run();
      const cpu = process.cpuUsage(cpu0);
      // CPU over the whole call (set-up and drain included), so both checkouts are timed the same way.
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      console.log(`| ${round} | ${label} | ${what} | ${row.steps} | ${row.seconds} | ${row.stepsPerSecond} | ${cpuSeconds.toFixed(2)} | ${Math.round(row.steps / cpuSeconds)} | ${load} |`);
    }
  }
}
