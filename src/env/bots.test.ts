import { describe, expect, it } from 'vitest';
import { GameClient } from '../client/client.ts';
import { InvalidOptionError } from '../core/errors.ts';
import { GameFramework } from '../server/framework.ts';
import { SeededRng } from '../core/rng.ts';
import { MinimaxPolicy, RandomPolicy, randomLegal, YahtzeeGreedyPolicy } from './bots.ts';
import { makeEnv, type WrappedGameEnv, type StepInfo } from './env.ts';
import { opponentChooser, type OpponentSpec } from './opponents.ts';
import type { Policy } from './policy.ts';

type Result = 'win' | 'draw' | 'loss';

/** Plays `episodes` with `policy` choosing from the env's observation and mask; counts results and refusals. */
async function play(env: WrappedGameEnv<Float32Array, number>, policy: Policy<Float32Array>, episodes: number) {
  const tally = { win: 0, draw: 0, loss: 0, illegal: 0, scores: [] as number[], lengths: [] as number[] };
  for (let e = 0; e < episodes; e++) {
    let { observation, info } = await env.reset();
    for (;;) {
      const [action] = await policy.act([observation], [info.actionMask]);
      const result = await env.step(action as number);
      tally.illegal += result.info.illegalMoves ?? 0;
      ({ observation, info } = result);
      if (result.terminated || result.truncated) {
        const outcome = info.episode?.outcome;
        if (typeof outcome === 'object') tally.scores.push(outcome.score);
        else if (outcome === 'truncated') throw new Error(`episode truncated: ${JSON.stringify(info.error)}`);
        else tally[outcome as Result]++;
        tally.lengths.push(info.episode?.length ?? -1);
        break;
      }
    }
  }
  return tally;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('MinimaxPolicy', () => {
  it('values an immediate win highest and blocks an immediate loss', () => {
    const policy = new MinimaxPolicy(1);
    const obs = (mine: number[], theirs: number[]): Float32Array => {
      const o = new Float32Array(27);
      for (let i = 0; i < 9; i++) o[mine.includes(i) ? i : theirs.includes(i) ? 9 + i : 18 + i] = 1;
      return o;
    };
    const maskOf = (o: Float32Array): Uint8Array => Uint8Array.from({ length: 9 }, (_, i) => o[18 + i] as number);
    // Mine on 0 and 1: 2 wins at once.
    const win = obs([0, 1, 5], [3, 4, 8]);
    expect(policy.act([win], [maskOf(win)])).toEqual([2]);
    // Theirs on 0 and 1, mine nowhere useful: 2 must be blocked.
    const block = obs([4], [0, 1]);
    expect(policy.act([block], [maskOf(block)])).toEqual([2]);
    // The empty board is a draw whatever the first move.
    const values = policy.moveValues(obs([], []), new Uint8Array(9).fill(1));
    expect([...values.values()].map((v) => Math.abs(v))).toEqual(new Array(9).fill(0));
  });
});

describe('opponents', () => {
  it('minimax (the env, via MinimaxPolicy on obs and mask) never loses 300 games to random', { timeout: 60_000 }, async () => {
    const env = makeEnv('TicTacToe', { opponents: 'random', seed: 21 });
    try {
      const t = await play(env, new MinimaxPolicy(4), 300);
      console.log(`minimax vs random over 300: ${t.win} wins, ${t.draw} draws, ${t.loss} losses`);
      expect(t.illegal).toBe(0);
      expect(t.loss).toBe(0);
      expect(t.win).toBeGreaterThan(200);
    } finally {
      await env.close();
    }
  });

  it("random (the env) never wins 200 games against the 'minimax' opponent and loses most", { timeout: 60_000 }, async () => {
    const env = makeEnv('TicTacToe', { opponents: 'minimax', seed: 22 });
    try {
      const t = await play(env, new RandomPolicy(5), 200);
      console.log(`random vs minimax over 200: ${t.win} wins, ${t.draw} draws, ${t.loss} losses`);
      expect(t.illegal).toBe(0);
      expect(t.win).toBe(0);
      expect(t.loss).toBeGreaterThan(120);
    } finally {
      await env.close();
    }
  });

  it('a weighted mix draws its policy per game by the weights', { timeout: 60_000 }, async () => {
    // Counting wrappers show which policy played each game.
    const calls = { random: 0, minimax: 0 };
    const counting = (name: 'random' | 'minimax', inner: Policy<Float32Array>): Policy<Float32Array> => ({
      name,
      act: (obs, masks) => {
        calls[name]++;
        return inner.act(obs, masks);
      },
    });
    const env = makeEnv('TicTacToe', {
      opponents: {
        mix: [
          { policy: counting('random', new RandomPolicy(1)), weight: 0.8 },
          { policy: counting('minimax', new MinimaxPolicy(1)), weight: 0.2 },
        ],
      },
      seed: 23,
    });
    try {
      const t = await play(env, new MinimaxPolicy(6), 200);
      expect(t.illegal).toBe(0);
      expect(t.loss).toBe(0);
      const share = calls.random / (calls.random + calls.minimax);
      console.log(`mix 0.8/0.2: random made ${(share * 100).toFixed(1)}% of the opponent's moves`);
      expect(share).toBeGreaterThan(0.65);
      expect(share).toBeLessThan(0.92);
    } finally {
      await env.close();
    }
  });

  it('the mix of bot names from the brief plays: { mix: [random 0.8, minimax 0.2] }', { timeout: 30_000 }, async () => {
    const env = makeEnv('TicTacToe', {
      opponents: {
        mix: [
          { policy: 'random', weight: 0.8 },
          { policy: 'minimax', weight: 0.2 },
        ],
      },
      seed: 24,
    });
    try {
      const t = await play(env, new RandomPolicy(7), 60);
      expect(t.illegal).toBe(0);
      expect(t.win + t.draw + t.loss).toBe(60);
      expect(t.win).toBeGreaterThan(0);
    } finally {
      await env.close();
    }
  });

  it('a mix chooser follows its weights (0 weight never chosen)', () => {
    const choose = opponentChooser(
      {
        mix: [
          { policy: 'random', weight: 3 },
          { policy: 'minimax', weight: 1 },
          { policy: { name: 'never', act: () => [] }, weight: 0 },
        ],
      },
      's',
      'TicTacToe',
    );
    const rng = new SeededRng('mix-weights');
    const counts: Record<string, number> = { random: 0, minimax: 0, never: 0 };
    for (let i = 0; i < 4000; i++) counts[choose!(rng).name]!++;
    expect(counts.never).toBe(0);
    expect(counts.random! / 4000).toBeGreaterThan(0.72);
    expect(counts.random! / 4000).toBeLessThan(0.78);
  });

  it('rejects bad opponent specs', () => {
    const bad: Array<[unknown, string]> = [
      ['smart', 'Expected an opponent of random, minimax, external, a policy or { mix }, got "smart"'],
      [{ mix: [{ policy: 'random', weight: -1 }] }, 'Expected mix weight 0 to be a non-negative number, got -1'],
      [{ mix: [{ policy: 'random', weight: 0 }] }, 'Expected the opponent mix weights to sum to more than 0'],
      [{ mix: [{ policy: 'external', weight: 1 }] }, 'An opponent mix cannot contain "external"'],
      [{ act: 3 }, 'Expected an opponent policy to have an act(observations, masks) method'],
    ];
    for (const [spec, message] of bad) {
      // makeEnv checks the spec at once, not at the first reset.
      for (const attempt of [() => opponentChooser(spec as OpponentSpec, 'x', 'TicTacToe'), () => makeEnv('TicTacToe', { opponents: spec as OpponentSpec })]) {
        let caught: unknown;
        try {
          attempt();
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(InvalidOptionError);
        expect((caught as Error).message).toBe(message);
      }
    }
  });

  it("an 'external' seat: a plain GameClient joins the env's named session from outside and plays", { timeout: 30_000 }, async () => {
    const server = new GameFramework({ seed: 9 });
    const session = 'with-a-stranger';
    const env = makeEnv('TicTacToe', { server, session, opponents: 'external', name: 'env-seat', seed: 2 });
    expect(env.session).toBe(session);
    const resetting = env.reset();
    // players: 2 starts the session if the env's join has not arrived yet; otherwise it is ignored.
    const stranger = new GameClient({ game: 'TicTacToe', server, session, players: 2, name: 'stranger' });
    const joined = await stranger.join();
    expect(env.opponentSeats).toHaveLength(0);
    const rng = new SeededRng('stranger');
    let strangerMoves = 0;
    let stop = false;
    const strangerLoop = (async () => {
      for (;;) {
        const state = await stranger.state();
        if (stop) return;
        if (state.gameover || !state.current.includes(joined.playerId)) continue;
        const empty = (state.board as number[]).flatMap((v, i) => (v === -1 ? [i] : []));
        await stranger.move({ position: empty[rng.int(0, empty.length - 1)] as number });
        strangerMoves++;
      }
    })();
    try {
      let first: { info: StepInfo } = await resetting;
      expect(env.playerId).toBe(1 - joined.playerId);
      expect(first.info.state?.board).toBeDefined();
      let results = 0;
      for (let episode = 0; episode < 20; episode++) {
        if (episode > 0) first = await env.reset();
        let info = first.info;
        for (;;) {
          const r = await env.step(randomLegal(info.actionMask, rng));
          expect(r.info.illegalMoves).toBe(0);
          info = r.info;
          if (r.terminated || r.truncated) {
            expect(r.terminated).toBe(true);
            results++;
            break;
          }
        }
      }
      expect(results).toBe(20);
      expect(strangerMoves).toBeGreaterThan(40);
    } finally {
      stop = true;
      await env.close();
      server.close();
      await strangerLoop.catch(() => undefined);
    }
  });
});

describe('Yahtzee greedy bot', () => {
  it('scores far above random over 100 solo games', { timeout: 60_000 }, async () => {
    const greedyEnv = makeEnv('Yahtzee', { seed: 31 });
    const randomEnv = makeEnv('Yahtzee', { seed: 32 });
    try {
      const [greedy, random] = await Promise.all([play(greedyEnv, new YahtzeeGreedyPolicy(), 100), play(randomEnv, new RandomPolicy(3), 100)]);
      expect(greedy.illegal + random.illegal).toBe(0);
      expect(greedy.scores).toHaveLength(100);
      expect(random.scores).toHaveLength(100);
      const g = mean(greedy.scores);
      const r = mean(random.scores);
      console.log(`Yahtzee solo over 100 games: greedy mean ${g.toFixed(1)}, random mean ${r.toFixed(1)}`);
      expect(g).toBeGreaterThan(r + 60);
      expect(g).toBeGreaterThan(130);
    } finally {
      await Promise.all([greedyEnv.close(), randomEnv.close()]);
    }
  });
});
