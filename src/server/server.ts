import net from 'node:net';
import tls from 'node:tls';
import { InvalidOptionError } from '../protocol/errors.ts';
import { decodeRequestPayload, encodeResponse, RequestReader } from '../protocol/framing.ts';
import type { Response } from '../protocol/messages.ts';
import { GameFramework, type FrameworkOptions } from './framework.ts';

/** Options of `GameServer.start`: where to listen, TLS, limits, and the framework's own options. */
export interface GameServerOptions extends FrameworkOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4711; 0 picks a free port. */
  port?: number;
  /** PEM certificate and key: the server then speaks TLS 1.2+ on the same framing. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Connections beyond this get `server: too many connections` and are closed. Default 4096. */
  maxConnections?: number;
  /** Silence while reading a request before `server: connection timed out on server` (reference: 60 s). */
  connectionTimeoutMs?: number;
  /** Use this framework instead of making one (to serve it over TCP and in process at once). */
  framework?: GameFramework;
}

/**
 * The embedded game server on a TCP or TLS socket: one request per
 * connection, answered like the reference server answers it.
 */
export class GameServer {
  readonly framework: GameFramework;
  readonly tls: boolean;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly maxConnections: number;
  private readonly connectionTimeoutMs: number;
  private closing: Promise<void> | undefined;

  private constructor(options: GameServerOptions) {
    this.framework = options.framework ?? new GameFramework(options);
    this.maxConnections = options.maxConnections ?? 4096;
    this.connectionTimeoutMs = options.connectionTimeoutMs ?? 60_000;
    this.tls = Boolean(options.tls);
    // allowHalfOpen: a client may shut down its sending side after the request and still read the answer.
    const serverOptions = { allowHalfOpen: true, noDelay: true };
    this.server = options.tls
      ? tls.createServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, (s) =>
          this.onConnection(s),
        )
      : net.createServer(serverOptions, (s) => this.onConnection(s));
  }

  /** Starts a server and resolves once it listens. */
  static async start(options: GameServerOptions = {}): Promise<GameServer> {
    for (const key of ['maxConnections', 'connectionTimeoutMs'] as const) {
      const value = options[key];
      if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
        throw new InvalidOptionError(`Expected ${key} to be a positive integer, got ${String(value)}`);
      }
    }
    const port = options.port ?? 4711;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new InvalidOptionError(`Expected port to be an integer from 0 to 65535, got ${String(port)}`);
    }
    const server = new GameServer(options);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.server.listen({ host: options.host ?? '127.0.0.1', port, backlog: 4096 }, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    return server;
  }

  /** The address the server listens on. */
  get address(): { host: string; port: number } {
    const a = this.server.address() as net.AddressInfo;
    return { host: a.address, port: a.port };
  }

  /** Number of open connections. */
  get connectionCount(): number {
    return this.sockets.size;
  }

  /**
   * Stops listening, answers every pending request with `server: shutting
   * down`, and resolves when every connection has closed (sockets that do not
   * close within `graceMs` are destroyed).
   */
  close(graceMs = 2000): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.framework.close();
      for (const socket of this.sockets) {
        // Connections still sending a request get no answer; answered ones finish writing.
        if (!socket.writableEnded) socket.destroy();
      }
      const timer = setTimeout(() => {
        for (const socket of this.sockets) socket.destroy();
      }, graceMs);
      timer.unref();
    });
    return this.closing;
  }

  private onConnection(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.sockets.size >= this.maxConnections) {
      socket.on('error', () => {});
      socket.end(encodeResponse({ status: 'error', message: 'server: too many connections' }));
      return;
    }
    this.sockets.add(socket);
    const reader = new RequestReader(this.framework.requestSizeMax);
    const abort = new AbortController();
    let answered = false;
    let requestComplete = false;

    const respond = (response: Response | null): void => {
      if (answered) return;
      answered = true;
      socket.setTimeout(0);
      socket.removeListener('data', onData);
      if (response === null || socket.destroyed) {
        socket.destroy();
      } else {
        socket.end(encodeResponse(response));
      }
    };

    const onData = (chunk: Buffer): void => {
      const result = reader.push(chunk);
      if (result.kind === 'more') return;
      requestComplete = true;
      socket.removeListener('data', onData);
      socket.setTimeout(0);
      if (result.kind === 'too-large') {
        respond({ status: 'error', message: 'server: request size exceeded by client' });
        return;
      }
      const decoded = decodeRequestPayload(result.payload);
      if (!decoded.ok) {
        respond({ status: 'error', message: decoded.message });
        return;
      }
      this.framework.handle(decoded.value, { signal: abort.signal }).then(respond, () =>
        respond({ status: 'error', message: 'framework: internal error' }),
      );
    };

    socket.setTimeout(this.connectionTimeoutMs);
    socket.on('timeout', () => respond({ status: 'error', message: 'server: connection timed out on server' }));
    socket.on('data', onData);
    socket.on('end', () => {
      // The client stopped sending before the terminator: like the reference, answer nothing.
      if (!requestComplete) respond(null);
    });
    socket.on('error', () => {
      // A reset while a long poll waits: drop the waiter so it does not consume the reader's next change.
      abort.abort();
      socket.destroy();
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (!answered) abort.abort();
    });
  }
}
