import type { GameState, JsonObject } from '../../protocol/messages.ts';
import type { Adapter, EpisodeOutcome, SeatInfo, Symmetry } from '../adapter.ts';
import { FloatSlab } from '../slab.ts';
import { Box, Discrete } from '../spaces.ts';

const ROTATE = [2, 5, 8, 1, 4, 7, 0, 3, 6]; // cell c of a quarter turn clockwise goes to ROTATE[c]
const MIRROR = [2, 1, 0, 5, 4, 3, 8, 7, 6];
const compose = (p: number[], q: number[]): number[] => p.map((to) => q[to] as number); // p, then q
const IDENTITY = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const ROTATIONS = [IDENTITY, ROTATE, compose(ROTATE, ROTATE), compose(compose(ROTATE, ROTATE), ROTATE)];
const BOARD_SYMMETRIES = [...ROTATIONS, ...ROTATIONS.map((r) => compose(r, MIRROR))];
const observations = new FloatSlab(27);

/**
 * TicTacToe for one seat: the board from the seat's own perspective as three
 * 9-cell planes (mine, theirs, empty: 27 values), Discrete(9) actions (the
 * cell), reward +1 / 0 / -1 when the game ends.
 */
export class TicTacToeAdapter implements Adapter<Float32Array, number> {
  readonly game = 'TicTacToe';
  readonly observationSpace = new Box(0, 1, [27]);
  readonly actionSpace = new Discrete(9);
  readonly nudge: JsonObject = {};

  resetEpisode(): void {}

  setupMove(): JsonObject | null {
    return null;
  }

  isTurn(state: GameState, seat: SeatInfo): boolean {
    return !state.gameover && state.current.includes(seat.playerId);
  }

  observe(state: GameState, seat: SeatInfo): Float32Array {
    const board = state.board as number[];
    const obs = observations.next();
    for (let i = 0; i < 9; i++) {
      const v = board[i];
      obs[(v === -1 ? 18 : v === seat.playerId ? 0 : 9) + i] = 1;
    }
    return obs;
  }

  actionMask(state: GameState, seat: SeatInfo): Uint8Array {
    const mask = new Uint8Array(9);
    if (!this.isTurn(state, seat)) return mask;
    const board = state.board as number[];
    for (let i = 0; i < 9; i++) mask[i] = board[i] === -1 ? 1 : 0;
    return mask;
  }

  /** The 8 rotations and reflections of the board (identity first). */
  symmetries(): Symmetry[] {
    return BOARD_SYMMETRIES.map((cells) => {
      // cells[c] is where cell c goes; the observation at cell j comes from the cell that goes to j.
      const from = new Array<number>(9);
      cells.forEach((to, c) => (from[to] = c));
      return { observation: [0, 9, 18].flatMap((plane) => from.map((c) => plane + c)), action: [...cells] };
    });
  }

  toMove(action: number): JsonObject {
    return { position: action };
  }

  accepted(): void {}

  reward(_previous: GameState | null, state: GameState, seat: SeatInfo): number {
    if (!state.gameover) return 0;
    const o = this.outcome(state, seat);
    return o === 'win' ? 1 : o === 'loss' ? -1 : 0;
  }

  outcome(state: GameState, seat: SeatInfo): EpisodeOutcome {
    const winner = state.winner;
    if (winner === null || winner === undefined) return 'draw';
    return winner === seat.playerId ? 'win' : 'loss';
  }

  render(state: GameState, seat: SeatInfo): string {
    const board = state.board as number[];
    const mark = (v: number | undefined): string => (v === -1 ? '.' : v === seat.playerId ? 'X' : 'O');
    const rows = [0, 3, 6].map((r) => ` ${mark(board[r])} ${mark(board[r + 1])} ${mark(board[r + 2])}`);
    const status = state.gameover ? `game over: ${this.outcome(state, seat)}` : state.current.includes(seat.playerId) ? 'your move (X)' : 'waiting for O';
    return `${rows.join('\n')}\n${status}`;
  }
}
