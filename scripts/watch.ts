import type { CommandModule } from 'yargs';
import { watchSession } from '../src/client/watch.ts';
import { adapterFactory } from '../src/env/adapter.ts';
import type { SeatInfo } from '../src/env/adapter.ts';
import { DEFAULT_GAME } from '../src/games/builtins.ts';
import { findGame } from '../src/games/registry.ts';
import type { GameState } from '../src/protocol/messages.ts';

interface WatchArgs {
  session: string;
  name: string;
  game: string;
  host: string;
  port: number;
  tls: boolean;
  'tls-ca': string | undefined;
  'tls-insecure': boolean;
  players: number | undefined;
  'until-gameover': boolean;
}

/** `game-gym watch`: follow a named player live and render each state it sees. */
export const watchCommand: CommandModule<object, WatchArgs> = {
  command: 'watch',
  describe: 'Follow a named player of a session live (observer mode) and render each state',
  builder: (y) =>
    y
      .option('session', { type: 'string', demandOption: true, describe: 'Named session to watch' })
      .option('name', { type: 'string', demandOption: true, describe: 'Name of the player to follow' })
      .option('game', { type: 'string', default: DEFAULT_GAME, describe: 'Game of the session (a name or id; see game-gym games)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Server address' })
      .option('port', { type: 'number', default: 4711, describe: 'Server port' })
      .option('tls', { type: 'boolean', default: false, describe: 'Speak TLS (verifies with the system store)' })
      .option('tls-ca', { type: 'string', describe: 'PEM CA file to verify the server with (implies --tls)' })
      .option('tls-insecure', { type: 'boolean', default: false, describe: 'Do not verify the certificate (implies --tls)' })
      .option('players', { type: 'number', describe: 'Players in the session, for rendering (default: guessed from the states)' })
      .option('until-gameover', { type: 'boolean', default: false, describe: 'Stop after the first finished game' }) as never,
  handler: async (args) => {
    args.game = findGame(args.game)?.name ?? args.game;
    const factory = adapterFactory(args.game);
    const adapter = factory?.();
    const tls = args['tls-ca'] || args['tls-insecure'] ? { ...(args['tls-ca'] ? { caFile: args['tls-ca'] } : {}), verify: !args['tls-insecure'] } : args.tls;
    const tty = Boolean(process.stdout.isTTY);
    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    console.log(`watching "${args.name}" in ${args.game} session "${args.session}" at ${args.host}:${args.port} (Ctrl-C stops)`);
    try {
      const result = await watchSession({
        game: args.game,
        session: args.session,
        name: args.name,
        host: args.host,
        port: args.port,
        tls,
        signal: controller.signal,
        untilGameOver: args['until-gameover'],
        onState: (state, { playerId, index }) => {
          const seat: SeatInfo = { playerId, players: args.players ?? guessPlayers(state, playerId), name: args.name };
          const picture = adapter ? adapter.render(state, seat) : JSON.stringify(state, null, 2);
          const header = `${args.game} "${args.session}" – ${args.name} (player ${playerId}) – state ${index + 1}`;
          if (tty) process.stdout.write('\x1b[2J\x1b[H');
          else if (index > 0) process.stdout.write('\n');
          process.stdout.write(`${header}\n${picture}\n`);
        },
      });
      const why = result.reason === 'aborted' ? 'stopped' : result.reason === 'gameover' ? 'game over' : `session ended (${result.message ?? ''})`;
      console.log(`${why} after ${result.states} state(s)`);
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};

/** Rendering wants a player count, which observing does not tell: use the ids the states show. */
function guessPlayers(state: GameState, playerId: number): number {
  const ids = [playerId, ...state.current];
  const winner = state.winner;
  if (typeof winner === 'number') ids.push(winner);
  return Math.max(2, ...ids.map((id) => id + 1));
}
