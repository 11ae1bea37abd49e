import type { Game, GameDefinition, Json, Rng } from './game.ts';

/** The cells of each row, column and diagonal of the board (cell = 3 * row + column). */
export const TICTACTOE_LINES: readonly (readonly [number, number, number])[] = [
  [0, 1, 2],
  [3, 4, 5],
  [6, 7, 8],
  [0, 3, 6],
  [1, 4, 7],
  [2, 5, 8],
  [0, 4, 8],
  [2, 4, 6],
];

/** Whether `player`'s marks fill a line of `board` (any encoding of marks: ids, +1/-1, ...). */
export function ownsLine(board: ArrayLike<number>, player: number): boolean {
  return TICTACTOE_LINES.some(([a, b, c]) => board[a] === player && board[b] === player && board[c] === player);
}

/**
 * Tic-tac-toe for two players. The board holds -1 for an empty cell, else the id of
 * the player whose mark it is; the first player is drawn from the Rng.
 */
export class TicTacToeGame implements Game {
  private readonly board: number[] = new Array<number>(9).fill(-1);
  private current: number;
  private over = false;
  private winner: number | null = null;

  constructor(rng: Rng) {
    this.current = rng.int(0, 1);
  }

  currentPlayers(): number[] {
    return [this.current];
  }

  move(move: { [key: string]: Json }, _playerId: number): Json | null {
    if (!Object.hasOwn(move, 'position')) return "keyword argument 'position' of type int missing";
    const pos = move.position;
    if (typeof pos !== 'number' || !Number.isInteger(pos)) {
      return "type of argument 'position' must be int";
    }
    if (pos < 0 || pos > 8) return 'invalid position';
    if (this.board[pos] !== -1) return 'position already occupied';

    this.board[pos] = this.current;
    const b = this.board;
    if (ownsLine(b, this.current)) {
      this.winner = this.current;
      this.over = true;
    }
    if (!b.includes(-1)) this.over = true;
    this.current ^= 1;
    return null;
  }

  gameOver(): boolean {
    return this.over;
  }

  state(_playerId: number): { [key: string]: Json } {
    return { board: [...this.board], winner: this.winner };
  }
}

/** The TicTacToe game type: exactly two players. */
export const TicTacToe: GameDefinition = Object.freeze({
  name: 'TicTacToe',
  minPlayers: 2,
  maxPlayers: 2,
  create: (_players: number, rng: Rng): Game => new TicTacToeGame(rng),
});
