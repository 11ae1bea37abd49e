import type { CommandModule } from 'yargs';
import { playRandomTicTacToe } from '../src/bench/random-play.ts';
import { GameServer } from '../src/server/index.ts';

interface StartArgs {
  games: number;
  sessions: number;
  seed: number;
}

/** `game-gym start` (npm start): the main job. Until the trainer lands: serve, then play random games over TCP. */
export const startCommand: CommandModule<object, StartArgs> = {
  command: 'start',
  describe: 'Main job: start the embedded server and play random TicTacToe games through it over TCP',
  builder: (y) =>
    y
      .option('games', { type: 'number', default: 2000, describe: 'Games to play in all' })
      .option('sessions', { type: 'number', default: 16, describe: 'Sessions played side by side' })
      .option('seed', { type: 'number', default: 1, describe: 'Seed of the server and the players' }) as never,
  handler: async (args) => {
    console.log(`game-gym start ${JSON.stringify(args, ['games', 'sessions', 'seed'])}`);
    const server = await GameServer.start({ port: 0, seed: args.seed });
    const { host, port } = server.address;
    console.log(`embedded server listening on tcp://${host}:${port}`);
    let shown = false;
    const started = performance.now();
    const tally = await playRandomTicTacToe({
      client: { host, port },
      sessions: args.sessions,
      games: args.games,
      seed: args.seed,
      prefix: 'start',
      onGameOver: (state) => {
        if (shown) return;
        shown = true;
        console.log(`a finished game (winner: ${state.winner === null ? 'none' : `player ${state.winner}`}):`);
        console.log(renderTicTacToe(state.board as number[]));
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const pct = (n: number): string => `${((100 * n) / Math.max(1, tally.games)).toFixed(1)}%`;
    console.log(`played ${tally.games} games (${tally.moves} moves) in ${seconds.toFixed(1)} s over TCP: ${Math.round(tally.moves / seconds)} moves/s`);
    console.log(`player 0 won ${pct(tally.wins[0])}, player 1 won ${pct(tally.wins[1])}, draws ${pct(tally.draws)}`);
    await server.close();
  },
};

function renderTicTacToe(board: number[]): string {
  const mark = (v: number | undefined): string => (v === 0 ? 'X' : v === 1 ? 'O' : '.');
  return [0, 3, 6].map((r) => ` ${mark(board[r])} ${mark(board[r + 1])} ${mark(board[r + 2])}`).join('\n');
}
