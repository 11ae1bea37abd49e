import type { GameClientOptions } from '../client/client.ts';
import type { ClientTlsOptions } from '../client/tcp.ts';
import { InvalidOptionError } from '../core/errors.ts';
import { GameFramework } from '../server/framework.ts';
import { GameServer } from '../server/server.ts';
import { embeddedGames, listGames } from '../games/registry.ts';

/**
 * Where an env's sessions live: `'embedded'` (an in-process server shared by
 * the process, no sockets), `'embedded-tcp'` (the same kind of server on a
 * loopback port, to exercise TCP), a `GameFramework` of your own, or
 * `'host:port'` of a running server (the reference Python server included).
 */
export type ServerSpec = 'embedded' | 'embedded-tcp' | GameFramework | string;

let sharedFramework: GameFramework | undefined;
let sharedTcp: Promise<GameServer> | undefined;

/** The process-wide embedded server behind `'embedded'` (made on first use). */
export function embeddedFramework(): GameFramework {
  sharedFramework ??= new GameFramework({ games: embeddedGames() });
  // Games registered after the server was made (plugins loaded later) join it too.
  for (const game of listGames()) if (game.rules && !sharedFramework.games.get(game.name)) sharedFramework.games.register(game.rules);
  return sharedFramework;
}

/** The process-wide loopback TCP server behind `'embedded-tcp'` (started on first use, does not keep the process alive). */
export function embeddedTcpServer(): Promise<GameServer> {
  sharedTcp ??= GameServer.start({ port: 0, framework: embeddedFramework() }).then((server) => {
    server.unref();
    return server;
  });
  return sharedTcp;
}

/** The client options that reach a server spec. */
export async function clientOptionsFor(server: ServerSpec, tls?: ClientTlsOptions): Promise<Pick<GameClientOptions, 'server' | 'host' | 'port' | 'tls'>> {
  if (server instanceof GameFramework) return { server };
  if (server === 'embedded') return { server: embeddedFramework() };
  if (server === 'embedded-tcp') {
    const { host, port } = (await embeddedTcpServer()).address;
    return { host, port };
  }
  const m = typeof server === 'string' ? /^\[?([^\]]+?)\]?:(\d+)$/.exec(server) : null;
  if (!m) {
    throw new InvalidOptionError(`Expected server to be "embedded", "embedded-tcp", a GameFramework or "host:port", got ${JSON.stringify(server)}`);
  }
  return { host: m[1] as string, port: Number(m[2]), tls };
}
