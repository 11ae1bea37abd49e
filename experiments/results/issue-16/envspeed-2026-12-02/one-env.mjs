// One TicTacToe env vs the random bot in process, from a checkout's sources, for loop.mjs and heap.mjs.
export async function oneEnv(dir) {
  const { makeEnv } = await import(`${dir}/src/env/env.ts`);
  const { randomLegal } = await import(`${dir}/src/env/bots.ts`);
  const { SeededRng } = await import(`${dir}/src/core/rng.ts`);
  const { GameFramework } = await import(`${dir}/src/server/framework.ts`);
  const server = new GameFramework({ seed: 1 });
  const env = makeEnv('TicTacToe', { server, seed: 1 });
  const rng = new SeededRng(1);
  let { info } = await env.reset({ seed: 1 });
  return {
    /** Plays one random legal step (resetting at the end of an episode). */
    async step() {
      const r = await env.step(randomLegal(info.actionMask, rng));
      ({ info } = r.terminated || r.truncated ? await env.reset() : r);
    },
    async close() {
      await env.close();
      server.close();
    },
  };
}
