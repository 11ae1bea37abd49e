import { MinimaxPolicy } from '../env/bots.ts';
import { TicTacToeAdapter } from '../env/adapters/tictactoe.ts';
import type { Policy } from '../env/policy.ts';
import { TicTacToe, ownsLine } from '../server/games/tictactoe.ts';
import type { GameSpec, OutcomeRates } from './registry.ts';

const AGENT = 0;
const OTHER = 1;

/**
 * Exact expected results of a greedy policy against the uniformly random bot,
 * half the games moving first: walks the game tree ply by ply (a few thousand
 * positions), asking the policy once per ply for all positions it can meet.
 */
export async function exactVsRandom(policy: Policy<Float32Array>): Promise<OutcomeRates> {
  const [first, second] = [await walk(policy, true), await walk(policy, false)];
  return { winRate: (first.winRate + second.winRate) / 2, drawRate: (first.drawRate + second.drawRate) / 2, lossRate: (first.lossRate + second.lossRate) / 2 };
}

async function walk(policy: Policy<Float32Array>, agentFirst: boolean): Promise<OutcomeRates> {
  const adapter = new TicTacToeAdapter();
  const seat = { playerId: AGENT } as never;
  const rates = { winRate: 0, drawRate: 0, lossRate: 0 };
  // Positions with the agent to move, by board, with the probability of reaching them.
  let frontier = new Map<string, { board: number[]; p: number }>();
  const add = (map: typeof frontier, board: number[], p: number): void => {
    const key = board.join(',');
    const seen = map.get(key);
    if (seen) seen.p += p;
    else map.set(key, { board, p });
  };
  const empty = new Array<number>(9).fill(-1);
  const afterRandom = (board: number[], p: number, into: typeof frontier): void => {
    const free = cells(board);
    for (const c of free) {
      const next = [...board];
      next[c] = OTHER;
      const q = p / free.length;
      if (ownsLine(next, OTHER)) rates.lossRate += q;
      else if (!next.includes(-1)) rates.drawRate += q;
      else add(into, next, q);
    }
  };
  if (agentFirst) add(frontier, empty, 1);
  else afterRandom(empty, 1, frontier);
  while (frontier.size > 0) {
    const positions = [...frontier.values()];
    // The adapter's observations live in a reused slab: copy each.
    const states = positions.map(({ board }) => ({ board, current: [AGENT], gameover: false, winner: null }) as never);
    const observations = states.map((state) => Float32Array.from(adapter.observe(state, seat)));
    const actions = await policy.act(
      observations,
      states.map((state) => adapter.actionMask(state, seat)),
    );
    const next = new Map<string, { board: number[]; p: number }>();
    positions.forEach(({ board, p }, i) => {
      const after = [...board];
      after[actions[i] as number] = AGENT;
      if (ownsLine(after, AGENT)) rates.winRate += p;
      else if (!after.includes(-1)) rates.drawRate += p;
      else afterRandom(after, p, next);
    });
    frontier = next;
  }
  return rates;
}

function cells(board: number[]): number[] {
  return board.flatMap((v, i) => (v === -1 ? [i] : []));
}

/** TicTacToe: two seats, random first player, perfect minimax bot. */
export const ticTacToeSpec: GameSpec = {
  name: 'TicTacToe',
  description: '3x3 board, random first player; win / draw / loss',
  rules: TicTacToe,
  players: { default: 2, min: 2, max: 2 },
  adapter: () => new TicTacToeAdapter(),
  bots: { minimax: ({ seed }) => new MinimaxPolicy(seed) },
  evalOpponents: ['random', 'minimax'],
  isOpening: (state) => Array.isArray(state.board) && state.board.every((v) => v === -1),
  results: 'outcome',
  exactEvaluations: { random: exactVsRandom },
};
