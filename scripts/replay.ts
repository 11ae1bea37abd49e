import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { ReplayServer, startReplayServer } from '../src/server/replay.ts';

interface ReplayArgs {
  file: string;
  host: string;
  port: number;
  'tls-cert': string | undefined;
  'tls-key': string | undefined;
  verbose: boolean;
}

/** `game-gym replay FILE`: serve a recording, answering the recorded requests with the recorded responses. */
export const replayCommand: CommandModule<object, ReplayArgs> = {
  command: 'replay <file>',
  describe: 'Serve a recording (from --record) as a server that answers the recorded requests the same way',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'Recording file (JSON Lines)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' })
      .option('port', { type: 'number', default: 4711, describe: 'Port to listen on (0 picks a free one)' })
      .option('tls-cert', { type: 'string', describe: 'PEM certificate file: serve TLS 1.2+ (needs --tls-key)' })
      .option('tls-key', { type: 'string', describe: 'PEM private key file of --tls-cert' })
      .option('verbose', { type: 'boolean', default: false, describe: 'Log every request and whether it matched' })
      .check((a) => {
        if (Boolean(a['tls-cert']) !== Boolean(a['tls-key'])) throw new Error('--tls-cert and --tls-key go together');
        return true;
      }) as never,
  handler: async (args) => {
    const log = (line: string): void => console.log(`${new Date().toISOString()} ${line}`);
    const replay = ReplayServer.fromFile(args.file, {
      onRequest: (request, response) => {
        if (response === null) log(`unmatched ${JSON.stringify(request)}`);
        else if (args.verbose) log(`replayed ${JSON.stringify(request)} -> ${response.status}`);
      },
    });
    const tls = args['tls-cert'] ? { cert: readFileSync(args['tls-cert']), key: readFileSync(args['tls-key'] as string) } : undefined;
    const { server } = await startReplayServer({ replay, host: args.host, port: args.port, tls });
    const { host, port } = server.address;
    const { recorded } = replay.stats;
    console.log(
      `game-gym replay of ${args.file} listening on ${tls ? 'tls' : 'tcp'}://${host}:${port} ` +
        `(${recorded} recorded answers; games: ${replay.games.names().join(', ') || 'none'})`,
    );
    const stop = (signal: string): void => {
      const { served, unmatched, remaining } = replay.stats;
      log(`${signal}: served ${served}, unmatched ${unmatched}, not asked for ${remaining}`);
      void server.close().then(() => process.exit(unmatched > 0 ? 1 : 0));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  },
};
