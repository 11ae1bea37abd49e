// node --import tsx loop.mjs <checkout> [seconds] [envs] [dist]: one TicTacToe env vs the random bot (plain reset/step
// loop), or an AsyncVectorEnv of <envs> stepped as the env bench does (batches of envs/2); 1 s warm-up; wall and CPU
// figures. With `dist` (run without tsx) it loads the checkout's compiled dist/ instead of its sources.
const [dir, seconds = '5', envsArg = '1', build = 'src'] = process.argv.slice(2);
const envs = Number(envsArg);
const from = (path) => import(build === 'dist' ? `${dir}/dist/${path}.js` : `${dir}/${path}.ts`);
const { makeEnv } = await from('src/env/env');
const { randomLegal } = await from('src/env/bots');
const { SeededRng } = await from('src/core/rng');
const { GameFramework } = await from('src/server/framework');
const { AsyncVectorEnv } = await from('src/vector/async-vector');
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
