// Usage: node --import tsx requests.mjs <checkout> [steps] [tcp]: requests per move of one TicTacToe env vs the random
// bot (its seat's client and the bot's), in process or over TCP (an embedded GameServer on a free port), to compare
// with the bare clients' `bareRequestsPerMove` of the env bench.
const [dir, stepsArg = '3000', where = 'in-process'] = process.argv.slice(2);
const { makeEnv } = await import(`${dir}/src/env/env.ts`);
const { randomLegal } = await import(`${dir}/src/env/bots.ts`);
const { SeededRng } = await import(`${dir}/src/core/rng.ts`);
const { GameServer } = await import(`${dir}/src/server/server.ts`);
const server = await GameServer.start({ port: 0, seed: 1 });
const env = makeEnv('TicTacToe', { server: where === 'tcp' ? `127.0.0.1:${server.address.port}` : server.framework, seed: 1 });
const rng = new SeededRng(1);
let { info } = await env.reset({ seed: 1 });
for (let i = 0; i < Number(stepsArg); i++) {
  const r = await env.step(randomLegal(info.actionMask, rng));
  ({ info } = r.terminated || r.truncated ? await env.reset() : r);
}
const seat = env.unwrapped.seat;
const bot = env.opponentSeats[0];
const requests = seat.client.stats.requests + bot.seat.client.stats.requests;
const moves = Number(stepsArg) + bot.moves;
console.log(JSON.stringify({ where, steps: Number(stepsArg), moves, requests, requestsPerMove: +(requests / moves).toFixed(2) }));
await env.close();
await server.close();
