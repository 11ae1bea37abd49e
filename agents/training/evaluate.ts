import { makeEnv, type StepInfo } from '../../src/env/env.ts';
import { deriveSeed } from '../../src/core/seeds.ts';
import type { OpponentSpec } from '../../src/env/opponents.ts';
import type { Policy } from '../../src/env/policy.ts';
import type { ServerSpec } from '../../src/env/server-ref.ts';
import { embeddedGames, findGame, type OutcomeRates } from '../../src/games/registry.ts';
import { GameFramework } from '../../src/server/framework.ts';
import { batchCalls } from './batching.ts';
import { meanInterval, wilson } from './stats.ts';

/** Options of `evaluatePolicy`. */
export interface EvaluateOptions {
  game: string;
  /** Plays greedily: its `act` is called with the seat's observations and masks. */
  policy: Policy<Float32Array>;
  /** Who plays the other seats. */
  opponent: OpponentSpec;
  games: number;
  /** Default: a fresh embedded server seeded with `seed`. */
  server?: ServerSpec;
  seed?: number;
  /** Sessions played at once (their policy calls are batched). Default 16. */
  parallel?: number;
  players?: number;
  /** Two-player games: the policy moves first in exactly half the games. Default: when the game's spec has `isOpening`. */
  balanceFirstMove?: boolean;
  /** Record the protocol traffic of the games to this JSON Lines file (see `game-gym replay`). */
  record?: string;
}

/** Win/draw/loss counts with rates and 95% Wilson intervals. */
export interface ResultCounts {
  games: number;
  wins: number;
  draws: number;
  losses: number;
  winRate: number;
  drawRate: number;
  lossRate: number;
  winInterval: [number, number];
  lossInterval: [number, number];
}

/** What `evaluatePolicy` measured. */
export interface EvaluationResult extends ResultCounts {
  opponent: string;
  /** With balanced first moves: the results when the policy moved first, and second. */
  moveFirst?: ResultCounts;
  moveSecond?: ResultCounts;
  /** Score games: the mean final score with its 95% interval. */
  score?: { mean: number; low: number; high: number };
  /** Training evaluations of games that can compute them: the exact expected rates against this opponent. */
  exact?: OutcomeRates;
  seconds: number;
}

/**
 * Plays `games` games of the policy against an opponent and reports win, draw
 * and loss rates with 95% Wilson intervals (and mean scores for score games),
 * with first moves balanced in two-player games.
 */
export async function evaluatePolicy(options: EvaluateOptions): Promise<EvaluationResult> {
  const started = performance.now();
  const own = options.server === undefined ? new GameFramework({ seed: deriveSeed(options.seed ?? 0, 'server'), games: embeddedGames() }) : undefined;
  const server = options.server ?? (own as GameFramework);
  const isOpening = findGame(options.game)?.isOpening;
  const balance = (options.balanceFirstMove ?? isOpening !== undefined) && isOpening !== undefined;
  const movedFirst = (info: StepInfo): boolean => isOpening !== undefined && info.state !== null && isOpening(info.state);
  const policy = batchCalls(options.policy);
  const parallel = Math.max(1, Math.min(options.parallel ?? 16, options.games));
  const outcomes: Array<{ outcome: string; first: boolean; score: number }> = [];
  let claimed = 0;

  const worker = async (i: number): Promise<void> => {
    const env = makeEnv<Float32Array, number>(options.game, {
      server,
      opponents: options.opponent,
      players: options.players,
      seed: deriveSeed(options.seed ?? 0, 'game', i),
      record: options.record,
      // On its own server, fixed session names make the server's draws (first players, dice) follow the seed too.
      ...(own ? { session: `eval-${i}` } : {}),
    });
    try {
      while (claimed < options.games) {
        const index = claimed++;
        const wantFirst = index % 2 === 0;
        let { observation, info } = await env.reset();
        // The leader restarts until the first move falls where balance wants it.
        while (balance && movedFirst(info) !== wantFirst) ({ observation, info } = await env.reset());
        const first = movedFirst(info);
        for (;;) {
          const [action] = await policy.act([observation], [info.actionMask]);
          const result = await env.step(action as number);
          ({ observation, info } = result);
          if (result.terminated || result.truncated) {
            const o = info.episode?.outcome;
            outcomes.push({
              outcome: typeof o === 'string' ? o : 'score',
              first,
              score: typeof o === 'object' ? o.score : (info.episode?.return ?? 0),
            });
            break;
          }
        }
      }
    } finally {
      await env.close();
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, (_, i) => worker(i)));
  } finally {
    own?.close();
  }
  const result: EvaluationResult = {
    opponent: typeof options.opponent === 'string' ? options.opponent : 'name' in options.opponent ? options.opponent.name : 'mix',
    ...counts(outcomes),
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
  if (balance) {
    result.moveFirst = counts(outcomes.filter((o) => o.first));
    result.moveSecond = counts(outcomes.filter((o) => !o.first));
  }
  if (outcomes.some((o) => o.outcome === 'score')) result.score = meanInterval(outcomes.map((o) => o.score));
  return result;
}

function counts(outcomes: Array<{ outcome: string }>): ResultCounts {
  const games = outcomes.length;
  const wins = outcomes.filter((o) => o.outcome === 'win').length;
  const draws = outcomes.filter((o) => o.outcome === 'draw').length;
  const losses = outcomes.filter((o) => o.outcome === 'loss').length;
  const rate = (k: number): number => (games ? k / games : 0);
  return {
    games,
    wins,
    draws,
    losses,
    winRate: rate(wins),
    drawRate: rate(draws),
    lossRate: rate(losses),
    winInterval: wilson(wins, games),
    lossInterval: wilson(losses, games),
  };
}
