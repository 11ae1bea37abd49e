// Entry point of a child-process server (see child.ts): prints its address as one JSON line.
import { GameServer } from './server.ts';

const server = await GameServer.start(JSON.parse(process.argv[2] ?? '{}'));
process.stdout.write(`${JSON.stringify(server.address)}\n`);
const shutdown = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
