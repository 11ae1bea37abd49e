import net from 'node:net';

/**
 * Test support: sends raw bytes on a fresh connection and collects every byte
 * the server sends back until it closes. `halfClose` shuts down the sending
 * side after writing, as a client that gives up mid-request would.
 */
export function rawExchange(port: number, bytes: Buffer, options: { halfClose?: boolean; host?: string; timeoutMs?: number } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: options.host ?? '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`rawExchange: no close within ${options.timeoutMs ?? 5000} ms`));
    }, options.timeoutMs ?? 5000);
    socket.on('connect', () => {
      socket.write(bytes);
      if (options.halfClose) socket.end();
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {
      // The server may answer and close before reading everything (oversize requests).
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}
