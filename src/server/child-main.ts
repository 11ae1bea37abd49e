// Entry point of a child-process server (see child.ts): prints its address as one JSON line.
import { GameServer } from './server.ts';

// As `game-gym serve`: nothing a session throws past the request handlers ends the process.
process.on('uncaughtException', (err) => console.error(`child server: internal error (continuing): ${String(err)}`));
process.on('unhandledRejection', (err) => console.error(`child server: internal error (continuing): ${String(err)}`));

const server = await GameServer.start(JSON.parse(process.argv[2] ?? '{}'));
process.stdout.write(`${JSON.stringify(server.address)}\n`);
const shutdown = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
