import { describe, expect, it } from 'vitest';
import { GameFramework } from '../server/framework.ts';
import { makeEnv } from './env.ts';

/** Plays `episodes` games always taking the first legal action (the bot's moves are what varies) and returns every observation. */
async function games(envSeed: number, resetSeed: number, episodes: number): Promise<number[][]> {
  // Same server seed and session name: the server's own draws (first players) are the same in both runs.
  const env = makeEnv<Float32Array, number>('TicTacToe', { server: new GameFramework({ seed: 1 }), session: 'reseed', seed: envSeed });
  const seen: number[][] = [];
  try {
    // A game with the bots of the env's own seed first: the reset seed must reach bots that play already.
    let { info } = await env.reset();
    for (let over = false; !over;) {
      const step = await env.step(info.actionMask.indexOf(1));
      info = step.info;
      over = step.terminated || step.truncated;
    }
    let observation: Float32Array;
    ({ observation, info } = await env.reset({ seed: resetSeed }));
    seen.push([...observation]);
    for (let done = 0; done < episodes;) {
      const step = await env.step(info.actionMask.indexOf(1));
      seen.push([...step.observation]);
      info = step.info;
      if (step.terminated || step.truncated) {
        done++;
        ({ observation, info } = await env.reset());
        seen.push([...observation]);
      }
    }
  } finally {
    await env.close();
  }
  return seen;
}

describe('reset({ seed })', () => {
  it('reseeds the bots in the other seats as well as the env', async () => {
    const a = await games(1, 42, 20);
    const b = await games(2, 42, 20);
    expect(b).toEqual(a);
    // A different reset seed gives other games (the random bot moves otherwise).
    expect(await games(1, 43, 20)).not.toEqual(a);
  }, 60_000);
});
