// Usage: node --import tsx vec.mjs <checkout> <envs> [seconds]: the checkout's runEnvBench in process, after a 1 s warm-up run.
const [dir, envs = '64', seconds = '4'] = process.argv.slice(2);
const { runEnvBench } = await import(`${dir}/agents/bench/env-bench.ts`);
await runEnvBench({ transports: ['in-process'], envs: [Number(envs)], seconds: 1, seed: 1 }); // warm-up
const cpu0 = process.cpuUsage();
const [row] = await runEnvBench({ transports: ['in-process'], envs: [Number(envs)], seconds: Number(seconds), seed: 1 });
console.log(JSON.stringify(row));
