import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { embeddedGames } from '../src/games/registry.ts';
import type { ServerEvent } from '../src/server/framework.ts';
import { GameServer } from '../src/server/server.ts';

interface ServeArgs {
  host: string;
  port: number;
  'tls-cert': string | undefined;
  'tls-key': string | undefined;
  seed: string | undefined;
  verbose: boolean;
  'max-connections': number;
  'max-sessions': number;
  'max-session-state': number;
  'request-timeout': number;
  'handshake-timeout': number;
}

const LOGGED_NAME_MAX = 80;

// A client-chosen name as one log token: quoted, control and non-ASCII characters escaped and long names cut,
// so a name can neither forge log lines nor flood the log.
function logName(name: string): string {
  const cut = name.length > LOGGED_NAME_MAX ? name.slice(0, LOGGED_NAME_MAX) : name;
  const quoted = JSON.stringify(cut).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return cut === name ? quoted : `${quoted}...(${name.length} chars)`;
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
      .option('max-session-state', { type: 'number', default: 16_000_000, describe: "Bytes of JSON a session's game state may grow to" })
      .option('request-timeout', { type: 'number', default: 60, describe: 'Seconds from connecting to the end of the request' })
      .option('handshake-timeout', { type: 'number', default: 10, describe: 'Seconds a TLS handshake may take' })
      .check((a) => {
        if (Boolean(a['tls-cert']) !== Boolean(a['tls-key'])) throw new Error('--tls-cert and --tls-key go together');
        for (const key of ['request-timeout', 'handshake-timeout'] as const) {
          const v = a[key];
          if (!(Number.isFinite(v) && v > 0)) throw new Error(`Expected --${key} to be a positive number of seconds, got ${String(v)}`);
        }
        return true;
      }) as never,
  handler: async (args) => {
    const tls = args['tls-cert'] ? { cert: readFileSync(args['tls-cert']), key: readFileSync(args['tls-key'] as string) } : undefined;
    const log = (line: string): void => console.log(`${new Date().toISOString()} ${line}`);
    // Last resort: whatever a session manages to throw past the request handlers is logged, and the other
    // sessions carry on.
    process.on('uncaughtException', (err) => log(`internal error (server continues): ${oneLine(err)}`));
    process.on('unhandledRejection', (err) => log(`internal error (server continues): ${oneLine(err)}`));
    const server = await GameServer.start({
      host: args.host,
      port: args.port,
      tls,
      seed: args.seed,
      // Built-in games and every --plugin game that brings its rules.
      games: embeddedGames(),
      maxConnections: args['max-connections'],
      maxSessions: args['max-sessions'],
      maxSessionStateBytes: args['max-session-state'],
      requestTimeoutMs: Math.round(args['request-timeout'] * 1000),
      handshakeTimeoutMs: Math.round(args['handshake-timeout'] * 1000),
      onEvent: (e: ServerEvent) => {
        if (e.type === 'session-start') log(`session start ${e.game} ${logName(e.session)} players=${e.players}`);
        else if (e.type === 'session-end') log(`session end ${e.game} ${logName(e.session)} ${e.reason} games=${e.games} moves=${e.moves}`);
        else if (args.verbose) log(`request ${e.request} -> ${e.status} ${e.ms.toFixed(2)} ms`);
      },
    });
    const { host, port } = server.address;
    console.log(`game-gym server listening on ${tls ? 'tls' : 'tcp'}://${host}:${port} (games: ${server.framework.games.names().join(', ')})`);
    if (server.maxConnections < args['max-connections']) {
      log(`max connections lowered to ${server.maxConnections} to fit the open-file limit (ulimit -n ${server.fileLimit})`);
    }
    const stop = (signal: string): void => {
      log(`${signal}: shutting down`);
      void server.close().then(() => process.exit(0));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  },
};

function oneLine(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return logName(text.length > 200 ? text.slice(0, 200) : text);
}
