import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { embeddedGames } from '../src/games/registry.ts';
import { GameServer, type ServerEvent } from '../src/server/index.ts';

interface ServeArgs {
  host: string;
  port: number;
  'tls-cert': string | undefined;
  'tls-key': string | undefined;
  seed: string | undefined;
  verbose: boolean;
  'max-connections': number;
  'max-sessions': number;
}

/** `game-gym serve`: the embedded server on TCP or TLS until SIGINT/SIGTERM. */
export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Run the embedded game server (wire-compatible with the reference server)',
  builder: (y) =>
    y
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' })
      .option('port', { type: 'number', default: 4711, describe: 'Port to listen on (0 picks a free one)' })
      .option('tls-cert', { type: 'string', describe: 'PEM certificate file: serve TLS 1.2+ (needs --tls-key)' })
      .option('tls-key', { type: 'string', describe: 'PEM private key file of --tls-cert' })
      .option('seed', { type: 'string', describe: 'Seed for first players and dice (reproducible sessions); default random' })
      .option('verbose', { type: 'boolean', default: false, describe: 'Log every request, not only session start and end' })
      .option('max-connections', { type: 'number', default: 4096, describe: 'Open connections at most' })
      .option('max-sessions', { type: 'number', default: 10000, describe: 'Live sessions at most' })
      .check((a) => {
        if (Boolean(a['tls-cert']) !== Boolean(a['tls-key'])) throw new Error('--tls-cert and --tls-key go together');
        return true;
      }) as never,
  handler: async (args) => {
    const tls = args['tls-cert'] ? { cert: readFileSync(args['tls-cert']), key: readFileSync(args['tls-key'] as string) } : undefined;
    const log = (line: string): void => console.log(`${new Date().toISOString()} ${line}`);
    const server = await GameServer.start({
      host: args.host,
      port: args.port,
      tls,
      seed: args.seed,
      // Built-in games and every --plugin game that brings its rules.
      games: embeddedGames(),
      maxConnections: args['max-connections'],
      maxSessions: args['max-sessions'],
      onEvent: (e: ServerEvent) => {
        if (e.type === 'session-start') log(`session start ${e.game} "${e.session}" players=${e.players}`);
        else if (e.type === 'session-end') log(`session end ${e.game} "${e.session}" ${e.reason} games=${e.games} moves=${e.moves}`);
        else if (args.verbose) log(`request ${e.request} -> ${e.status} ${e.ms.toFixed(2)} ms`);
      },
    });
    const { host, port } = server.address;
    console.log(`game-gym server listening on ${tls ? 'tls' : 'tcp'}://${host}:${port} (games: ${server.framework.games.names().join(', ')})`);
    const stop = (signal: string): void => {
      log(`${signal}: shutting down`);
      void server.close().then(() => process.exit(0));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  },
};
