import { GameFramework } from '../server/framework.ts';
import { makeEnv, type EnvOptions } from './env.ts';
import { checkEnv } from './check-env.ts';
const cases: [string, EnvOptions][] = [
  ['TicTacToe', {}], ['TicTacToe', { opponents: 'minimax' }], ['Yahtzee', {}], ['Yahtzee', { players: 3, opponents: 'greedy' }],
];
for (const [game, o] of cases) {
  const t = performance.now();
  try {
    const r = await checkEnv(() => makeEnv(game, { server: new GameFramework({ seed: 1 }), session: 'fixed', seed: 3, ...o }));
    console.log(game, r.steps, r.passed.length, performance.now() - t);
  } catch (e) { console.log(game, 'ERR', (e as Error).name, (e as Error).message); }
  const t2 = performance.now();
  try {
    const r = await checkEnv(makeEnv(game, { server: 'embedded-tcp', seed: 3, ...o }));
    console.log('tcp', game, r.steps, r.passed.length, performance.now() - t2);
  } catch (e) { console.log('tcp', game, 'ERR', (e as Error).name, (e as Error).message); }
}
