import { describe, it, expect } from 'vitest';
import { SeededRng } from '../../core/rng.ts';
import { ScriptedRng } from '../../testing/scripted-rng.ts';
import { TicTacToe, TicTacToeGame } from './tictactoe.ts';

// The rows, columns and diagonals written out here, not taken from the rules: the test checks the rules' own table.
const LINES = [
  [0, 1, 2],
  [3, 4, 5],
  [6, 7, 8],
  [0, 3, 6],
  [1, 4, 7],
  [2, 5, 8],
  [0, 4, 8],
  [2, 4, 6],
];

const EMPTY = '[-1,-1,-1,-1,-1,-1,-1,-1,-1]';

function play(game: TicTacToeGame, positions: number[]): void {
  for (const position of positions) expect(game.move({ position }, game.currentPlayers()[0]!)).toBeNull();
}

describe('TicTacToe', () => {
  it('is a two-player game type', () => {
    expect(TicTacToe.name).toBe('TicTacToe');
    expect(TicTacToe.minPlayers).toBe(2);
    expect(TicTacToe.maxPlayers).toBe(2);
    expect(TicTacToe.create(2, new SeededRng(1))).toBeInstanceOf(TicTacToeGame);
  });

  it('draws the first player with rng.int(0, 1)', () => {
    const rng0 = new ScriptedRng([0]);
    expect(new TicTacToeGame(rng0).currentPlayers()).toEqual([0]);
    expect(rng0.calls).toEqual([[0, 1]]);
    expect(new TicTacToeGame(new ScriptedRng([1])).currentPlayers()).toEqual([1]);
  });

  it('starts with an empty board and no winner', () => {
    const game = new TicTacToeGame(new ScriptedRng([0]));
    expect(JSON.stringify(game.state(0))).toBe(`{"board":${EMPTY},"winner":null}`);
    expect(game.gameOver()).toBe(false);
  });

  it('reports illegal moves with the reference texts and keeps the turn', () => {
    const game = new TicTacToeGame(new ScriptedRng([1]));
    expect(game.move({}, 1)).toBe("keyword argument 'position' of type int missing");
    expect(game.move({ pos: 3 }, 1)).toBe("keyword argument 'position' of type int missing");
    for (const position of ['3', 3.5, true, false, null, [3], { p: 3 }]) {
      expect(game.move({ position }, 1)).toBe("type of argument 'position' must be int");
    }
    for (const position of [-1, 9, 100, -100]) {
      expect(game.move({ position }, 1)).toBe('invalid position');
    }
    expect(game.move({ position: 4 }, 1)).toBeNull();
    expect(game.currentPlayers()).toEqual([0]);
    expect(game.move({ position: 4 }, 0)).toBe('position already occupied');
    expect(game.currentPlayers()).toEqual([0]);
    expect(JSON.stringify(game.state(0))).toBe('{"board":[-1,-1,-1,-1,1,-1,-1,-1,-1],"winner":null}');
  });

  it('plays a full game to a win', () => {
    const game = new TicTacToeGame(new ScriptedRng([1]));
    // Player 1: 0, 4, 8 (diagonal); player 0: 1, 2.
    play(game, [0, 1, 4, 2]);
    expect(game.gameOver()).toBe(false);
    expect(game.currentPlayers()).toEqual([1]);
    play(game, [8]);
    expect(game.gameOver()).toBe(true);
    expect(JSON.stringify(game.state(0))).toBe('{"board":[1,0,0,-1,1,-1,-1,-1,1],"winner":1}');
    // The reference still flips the turn after the last move.
    expect(game.currentPlayers()).toEqual([0]);
  });

  it('detects every line', () => {
    for (const line of LINES) {
      const others = [0, 1, 2, 3, 4, 5, 6, 7, 8].filter((p) => !line.includes(p));
      // Pick two filler cells for the opponent that do not complete a line with each other.
      const filler = others.filter((p) => p !== 4).slice(0, 2);
      const game = new TicTacToeGame(new ScriptedRng([0]));
      play(game, [line[0]!, filler[0]!, line[1]!, filler[1]!, line[2]!]);
      expect(game.gameOver(), `line ${line}`).toBe(true);
      expect(game.state(1).winner).toBe(0);
    }
  });

  it('plays a full game to a draw', () => {
    const game = new TicTacToeGame(new ScriptedRng([0]));
    // 0 | 1 | 0
    // 0 | 1 | 1
    // 1 | 0 | 0
    play(game, [0, 1, 2, 4, 3, 5, 7, 6]);
    expect(game.gameOver()).toBe(false);
    play(game, [8]);
    expect(game.gameOver()).toBe(true);
    expect(JSON.stringify(game.state(1))).toBe('{"board":[0,1,0,0,1,1,1,0,0],"winner":null}');
  });

  it('a win on the ninth move is a win, not a draw', () => {
    const game = new TicTacToeGame(new ScriptedRng([0]));
    // 0 | 1 | 0
    // 1 | 1 | 0
    // 1 | 0 | 0   (player 0 fills the last cell, 5, completing 2-5-8)
    play(game, [0, 1, 2, 3, 7, 4, 8, 6]);
    expect(game.gameOver()).toBe(false);
    play(game, [5]);
    expect(game.gameOver()).toBe(true);
    expect(game.state(0)).toEqual({ board: [0, 1, 0, 1, 1, 0, 1, 0, 0], winner: 0 });
  });

  it('hands out copies of the board', () => {
    const game = new TicTacToeGame(new ScriptedRng([0]));
    (game.state(0).board as number[])[0] = 1;
    expect(game.state(0).board).toEqual(new Array(9).fill(-1));
  });

  it('keeps its invariants over 2,000 random games', () => {
    // Plain checks instead of expect() in the loop keep this fast; check() names the game.
    const check = (ok: boolean, what: string, g: number): void => {
      if (!ok) throw new Error(`game ${g}: ${what}`);
    };
    const rng = new SeededRng('tictactoe-property');
    const starters = [0, 0];
    const outcomes = { 0: 0, 1: 0, draw: 0 };
    for (let g = 0; g < 2000; g++) {
      const game = new TicTacToeGame(rng);
      const starter = game.currentPlayers()[0]!;
      starters[starter]!++;
      let legal = 0;
      let attempts = 0;
      while (!game.gameOver()) {
        check(++attempts < 1000, 'game does not end', g);
        const player = game.currentPlayers()[0]!;
        const before = JSON.stringify(game.state(player));
        const position = rng.int(-2, 10);
        const error = game.move({ position }, player);
        const after = game.state(player);
        const json = JSON.stringify(after);
        check(JSON.stringify(JSON.parse(json)) === json, 'state is not JSON', g);
        const board = after.board as number[];
        if (error === null) {
          legal++;
          check(board[position] === player, 'mark not placed', g);
          check(game.currentPlayers()[0] === (player ^ 1), 'turn not passed', g);
        } else {
          check(error === 'invalid position' || error === 'position already occupied', `error ${error}`, g);
          check(json === before, 'illegal move changed the state', g);
          check(game.currentPlayers()[0] === player, 'illegal move passed the turn', g);
        }
        const own = board.filter((c) => c === starter).length;
        const other = board.filter((c) => c === (starter ^ 1)).length;
        const empty = board.filter((c) => c === -1).length;
        check(board.length === 9 && own + other + empty === 9, 'board cells', g);
        check(own - other === legal % 2 && own + other === legal, 'mark counts', g);
      }
      check(legal >= 5 && legal <= 9, 'game length', g);
      const { board, winner } = game.state(0) as { board: number[]; winner: number | null };
      const winners = new Set(LINES.filter(([a, b, c]) => board[a!] !== -1 && board[a!] === board[b!] && board[b!] === board[c!]).map(([a]) => board[a!]));
      if (winner === null) {
        check(winners.size === 0 && !board.includes(-1), 'draw with a line or an empty cell', g);
        outcomes.draw++;
      } else {
        check(winners.size === 1 && winners.has(winner), 'winner does not own the only line', g);
        outcomes[winner as 0 | 1]++;
      }
    }
    // The seeded rng draws both starters and all outcomes occur.
    expect(starters[0]).toBeGreaterThan(800);
    expect(starters[1]).toBeGreaterThan(800);
    expect(outcomes[0]).toBeGreaterThan(0);
    expect(outcomes[1]).toBeGreaterThan(0);
    expect(outcomes.draw).toBeGreaterThan(0);
  });
});
