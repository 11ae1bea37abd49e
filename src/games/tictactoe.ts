import { MinimaxPolicy } from '../env/bots.ts';
import { TicTacToeAdapter } from '../env/adapters/tictactoe.ts';
import { TicTacToe } from '../server/games/tictactoe.ts';
import type { GameSpec } from './registry.ts';

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
};
