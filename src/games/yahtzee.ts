import { YahtzeeGreedyPolicy } from '../env/bots.ts';
import { YahtzeeAdapter } from '../env/adapters/yahtzee.ts';
import { Yahtzee } from '../server/games/yahtzee.ts';
import type { GameSpec } from './registry.ts';

/** Yahtzee: 1-8 seats (solo by default), scores, a greedy bot. */
export const yahtzeeSpec: GameSpec = {
  name: 'Yahtzee',
  description: '13 rounds of five dice, 1-8 players; scores',
  rules: Yahtzee,
  players: { default: 1, min: 1, max: 8 },
  adapter: () => new YahtzeeAdapter(),
  bots: { greedy: () => new YahtzeeGreedyPolicy() },
  evalOpponents: ['random'],
  results: 'score',
  // Exact optimal solitaire mean under these rules, from `game-gym solve Yahtzee` (agents/yahtzee/optimal.test.ts checks they agree).
  optimum: 284.7862492931187,
};
