// Entry point of the tcp-ceiling bench's baseline: a bare node:net server that reads a request up to
// its terminator and answers a fixed error, with no game logic. Prints its address as one JSON line.
import net from 'node:net';
import { EOT } from '../../src/protocol/framing.ts';

const REPLY = Buffer.from('{"status": "error", "message": "framework: no such game session"}');
const server = net.createServer((socket) => {
  let tail = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    tail = Buffer.concat([tail, chunk]).subarray(-EOT.length);
    if (tail.equals(EOT)) socket.end(REPLY);
  });
  socket.on('error', () => socket.destroy());
});
server.maxConnections = 65_536;
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as net.AddressInfo;
  process.stdout.write(`${JSON.stringify({ host: address.address, port: address.port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
