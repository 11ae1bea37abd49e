// Connect Four for game-gym, as a plugin: the rules for the embedded server,
// the adapter, a lookahead bot, and the spec that ties them together.
// Use it with any command: npx game-gym <command> --plugin experiments/plugins/connect-four.ts
import type { Game, GameDefinition, GameState, Json, PluginApi, Policy, Rng } from 'game-server-gym';

const COLS = 7;
const ROWS = 6;
const CELLS = ROWS * COLS; // board[row * COLS + col], row 0 at the top; -1 empty, else the player id
const DIRECTIONS = [
  [0, 1],
  [1, 0],
  [1, 1],
  [1, -1],
] as const;

/** Whether the disc at `cell` completes four in a row of its owner. */
function wins(board: ArrayLike<number>, cell: number): boolean {
  const row = Math.floor(cell / COLS);
  const col = cell % COLS;
  const who = board[cell];
  return DIRECTIONS.some(([dr, dc]) => {
    let run = 1;
    for (const sign of [1, -1]) {
      for (let r = row + sign * dr, c = col + sign * dc; r >= 0 && r < ROWS && c >= 0 && c < COLS && board[r * COLS + c] === who; r += sign * dr, c += sign * dc) run++;
    }
    return run >= 4;
  });
}

/** The cell a disc dropped in `col` lands on, or -1 when the column is full. */
function landing(board: ArrayLike<number>, col: number, empty = -1): number {
  for (let row = ROWS - 1; row >= 0; row--) if (board[row * COLS + col] === empty) return row * COLS + col;
  return -1;
}

// 1. The rules, for the embedded server (pure code: no I/O, randomness from the server's Rng).
class ConnectFourGame implements Game {
  private readonly board = new Array<number>(CELLS).fill(-1);
  private current: number;
  private winner: number | null = null;
  private over = false;

  constructor(rng: Rng) {
    this.current = rng.int(0, 1); // a random first player, as TicTacToe
  }

  currentPlayers(): number[] {
    return [this.current];
  }

  move(move: { [key: string]: Json }): Json | null {
    const col = move.column;
    if (typeof col !== 'number' || !Number.isInteger(col)) return "keyword argument 'column' of type int missing";
    if (col < 0 || col >= COLS) return 'invalid column';
    const cell = landing(this.board, col);
    if (cell < 0) return 'column is full';
    this.board[cell] = this.current;
    if (wins(this.board, cell)) [this.winner, this.over] = [this.current, true];
    if (!this.board.includes(-1)) this.over = true;
    this.current ^= 1;
    return null;
  }

  gameOver(): boolean {
    return this.over;
  }

  state(): { [key: string]: Json } {
    return { board: [...this.board], winner: this.winner };
  }
}

const rules: GameDefinition = { name: 'ConnectFour', minPlayers: 2, maxPlayers: 2, create: (_players, rng) => new ConnectFourGame(rng) };

// 3. A bot: negamax over `depth` plies on the adapter's observation (wins count, sooner is better;
// no heuristic at the leaves, ties broken at random). lookahead:1 takes a win; lookahead:2 also blocks one.
class LookaheadPolicy implements Policy<Float32Array> {
  readonly name: string;
  private readonly depth: number;
  private readonly rng: { int(min: number, max: number): number };

  constructor(depth: number, rng: { int(min: number, max: number): number }) {
    this.name = `lookahead:${depth}`;
    this.depth = depth;
    this.rng = rng;
  }

  act(observations: Float32Array[], masks: Uint8Array[]): number[] {
    return observations.map((obs, i) => {
      // 1 = the bot's disc, 2 = the opponent's, 0 = empty (read from the mine / theirs planes).
      const board = Array.from({ length: CELLS }, (_, c) => (obs[c] ? 1 : obs[CELLS + c] ? 2 : 0));
      const legal = [...(masks[i] as Uint8Array)].flatMap((m, col) => (m ? [col] : []));
      const values = legal.map((col) => this.value(board, col, 1, this.depth));
      const best = Math.max(...values);
      const ties = legal.filter((_, k) => values[k] === best);
      return ties[this.rng.int(0, ties.length - 1)] as number;
    });
  }

  /** The value for `who` of dropping in `col`, looking `depth` plies ahead. */
  private value(board: number[], col: number, who: number, depth: number): number {
    const cell = landing(board, col, 0);
    board[cell] = who;
    let v = 0;
    if (wins(board, cell)) v = depth;
    else if (depth > 1 && board.includes(0)) {
      let reply = -Infinity;
      for (let c = 0; c < COLS; c++) if (board[c] === 0) reply = Math.max(reply, this.value(board, c, 3 - who, depth - 1));
      v = -reply;
    }
    board[cell] = 0;
    return v;
  }
}

// 2 and 4. The adapter (plain functions) and the spec, registered when game-gym loads the plugin.
export default function connectFour(gym: PluginApi): void {
  const mirror = Array.from({ length: CELLS }, (_, c) => c - (c % COLS) + (COLS - 1 - (c % COLS)));
  gym.register({
    name: 'ConnectFour',
    ids: ['ConnectFour-v0'],
    description: '7x6 board, random first player; win / draw / loss',
    rules,
    players: { default: 2, min: 2, max: 2 },
    adapter: gym.simpleAdapter({
      game: 'ConnectFour',
      observationSize: 3 * CELLS, // planes: mine, theirs, empty, from the seat's view
      actions: COLS, // Discrete(7): the column
      observe: (state, seat) => {
        const obs = new Float32Array(3 * CELLS);
        (state.board as number[]).forEach((v, c) => (obs[(v === -1 ? 2 : v === seat.playerId ? 0 : 1) * CELLS + c] = 1));
        return obs;
      },
      mask: (state) => Array.from({ length: COLS }, (_, col) => ((state.board as number[])[col] === -1 ? 1 : 0)),
      move: (action) => ({ column: action }),
      // reward and outcome: the defaults (+1 / 0 / -1 by `winner` at the end)
      render: (state, seat) =>
        Array.from({ length: ROWS }, (_, r) =>
          (state.board as number[])
            .slice(r * COLS, (r + 1) * COLS)
            .map((v) => (v === -1 ? '.' : v === seat.playerId ? 'X' : 'O'))
            .join(' '),
        ).join('\n'),
      symmetries: [
        { observation: Array.from({ length: 3 * CELLS }, (_, i) => i), action: [0, 1, 2, 3, 4, 5, 6] },
        { observation: Array.from({ length: 3 * CELLS }, (_, i) => i - (i % CELLS) + (mirror[i % CELLS] as number)), action: [6, 5, 4, 3, 2, 1, 0] },
      ],
    }),
    bots: {
      lookahead: ({ seed, option }) => {
        const depth = option === undefined ? 2 : Number(option);
        if (!(Number.isInteger(depth) && depth >= 1 && depth <= 6))
          throw new RangeError(`Expected the lookahead depth to be an integer from 1 to 6, got ${JSON.stringify(option)}`);
        return new LookaheadPolicy(depth, new gym.SeededRng(`lookahead-${seed}`));
      },
    },
    evalOpponents: ['random', 'lookahead:2'],
    isOpening: (state: GameState) => (state.board as number[]).every((v) => v === -1),
    results: 'outcome',
  });
}
