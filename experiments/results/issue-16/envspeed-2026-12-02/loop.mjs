// node --import tsx loop.mjs <checkout> [seconds] [envs]: one TicTacToe env vs the random bot (plain reset/step loop), or
// an AsyncVectorEnv of <envs> stepped as the env bench does (batches of envs/2); 1 s warm-up; wall and CPU figures.
const [dir, seconds = '5', envsArg = '1'] = process.argv.slice(2);
const envs = Number(envsArg);
const { makeEnv } = await import(`${dir}/src/env/env.ts`);
const { randomLegal } = await import(`${dir}/src/env/bots.ts`);
const { SeededRng } = await import(`${dir}/src/core/rng.ts`);
const { GameFramework } = await import(`${dir}/src/server/framework.ts`);
const { AsyncVectorEnv } = await import(`${dir}/src/vector/async-vector.ts`);
const server = new GameFramework({ seed: 1 });
const rng = new SeededRng(1);
async function measure(ms, body) {
  let steps = 0; const started = performance.now(); const cpu0 = process.cpuUsage();
  while (performance.now() - started < ms) steps += await body();
  const wall = (performance.now() - started) / 1000; const cpu = process.cpuUsage(cpu0); const cpuS = (cpu.user + cpu.system) / 1e6;
  return { steps, wall: +wall.toFixed(2), stepsPerSecond: Math.round(steps / wall), cpu: +cpuS.toFixed(2), stepsPerCpuSecond: Math.round(steps / cpuS) };
}
let row;
if (envs === 1) {
  const env = makeEnv('TicTacToe', { server, seed: 1 });
  let { info } = await env.reset({ seed: 1 });
  const step = async () => { const r = await env.step(randomLegal(info.actionMask, rng)); ({ info } = r.terminated || r.truncated ? await env.reset() : r); return 1; };
  await measure(1000, step);
  row = await measure(Number(seconds) * 1000, step);
  await env.close();
} else {
  const made = Array.from({ length: envs }, (_, i) => makeEnv('TicTacToe', { server, seed: 1 + i }));
  const vector = new AsyncVectorEnv(made, { batchSize: Math.max(1, Math.floor(envs / 2)) });
  vector.asyncReset({ seed: 1 });
  const step = async () => {
    const batch = await vector.recv();
    let steps = 0;
    const actions = batch.envIds.map((_, k) => { if (batch.terminated[k] || batch.truncated[k]) return 0; steps++; return randomLegal(batch.infos[k].actionMask, rng); });
    vector.send(actions, batch.envIds);
    return steps;
  };
  await measure(1000, step);
  row = await measure(Number(seconds) * 1000, step);
  await vector.recv({ timeoutMs: 5000 }).catch(() => {});
  await vector.close();
}
server.close();
console.log(JSON.stringify({ envs, ...row }));
