import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { InvalidOptionError } from '../core/errors.ts';
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
  /** Time from connecting to the request's terminator before `server: request not complete within N ms`. Default 60 s. */
  requestTimeoutMs?: number;
  /** TLS only: a handshake not finished within this is dropped. Default 10 s. */
  handshakeTimeoutMs?: number;
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
  /** The connection cap in force: `maxConnections`, lowered to fit the process's open-file limit. */
  readonly maxConnections: number;
  /** The open-file limit (`ulimit -n`) seen at start, when the platform tells. */
  readonly fileLimit: number | undefined;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** Connections refused for `maxConnections`: answered, not counted, closed when the client closes. */
  private readonly refused = new Set<net.Socket>();
  /** Connections still sending their request: on shutdown they are dropped without an answer. */
  private readonly reading = new Set<net.Socket>();
  private readonly connectionTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private closing: Promise<void> | undefined;
  /** Set while closing: called when the last connection has emitted 'close'. */
  private drained: (() => void) | undefined;

  private constructor(options: GameServerOptions) {
    this.framework = options.framework ?? new GameFramework(options);
    this.fileLimit = openFileLimit();
    const wanted = options.maxConnections ?? 4096;
    this.maxConnections = this.fileLimit === undefined ? wanted : Math.max(1, Math.min(wanted, this.fileLimit - RESERVED_FDS));
    this.connectionTimeoutMs = options.connectionTimeoutMs ?? 60_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.tls = Boolean(options.tls);
    // allowHalfOpen: a client may shut down its sending side after a request answered at once and still read
    // the answer (a FIN during a blocking request drops it: see onConnection).
    // Not for TLS: a client that gives up during the handshake closes with a FIN, which must end the socket.
    const serverOptions = { allowHalfOpen: !options.tls, noDelay: true };
    if (options.tls) {
      const server = tls.createServer(
        {
          ...serverOptions,
          cert: options.tls.cert,
          key: options.tls.key,
          minVersion: 'TLSv1.2',
          handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
        },
        (s) => this.onConnection(s),
      );
      // Connections still in the handshake count too: net.Server closes those beyond the cap as they arrive
      // (no TLS yet to answer them in). A failed or timed-out handshake is the client's problem, not an error.
      server.maxConnections = this.maxConnections;
      server.on('tlsClientError', (_err, socket) => socket.destroy());
      this.server = server;
    } else {
      this.server = net.createServer(serverOptions, (s) => this.onConnection(s));
    }
  }

  /** Starts a server and resolves once it listens. */
  static async start(options: GameServerOptions = {}): Promise<GameServer> {
    for (const key of ['maxConnections', 'connectionTimeoutMs', 'requestTimeoutMs', 'handshakeTimeoutMs'] as const) {
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

  /** Lets the process exit while the server still listens (for servers made on demand). */
  unref(): void {
    this.server.unref();
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
      // net.Server reports itself closed a little before its sockets emit 'close': wait for those too, so
      // that connectionCount is 0 once this resolves.
      this.server.close(() => {
        if (this.sockets.size === 0) resolve();
        else this.drained = resolve;
      });
      this.framework.close();
      // Connections still sending a request get no answer. Blocked requests get theirs from framework.close(),
      // written a microtask later, so those sockets must not be destroyed here; answered ones finish writing.
      for (const socket of this.reading) socket.destroy();
      const timer = setTimeout(() => {
        for (const socket of this.sockets) socket.destroy();
        for (const socket of this.refused) socket.destroy();
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
      if (this.refused.size >= REFUSED_MAX) {
        // Answering needs a descriptor per refused connection too: past this many, drop without an answer.
        socket.destroy();
        return;
      }
      // Drop what the client sends: a paused socket never sees the client's FIN and would stay open for
      // ever (and keep close() from resolving). A client that does not close is cut off shortly after the
      // answer (closing at once could reset the connection before the client read the answer).
      this.refused.add(socket);
      socket.on('close', () => this.refused.delete(socket));
      socket.setTimeout(REFUSED_LINGER_MS, () => socket.destroy());
      socket.resume();
      socket.end(encodeResponse({ status: 'error', message: 'server: too many connections' }));
      return;
    }
    this.sockets.add(socket);
    this.reading.add(socket);
    const reader = new RequestReader(this.framework.requestSizeMax);
    const abort = new AbortController();
    let answered = false;
    let requestComplete = false;

    const respond = (response: Response | null): void => {
      if (answered) return;
      answered = true;
      clearTimeout(deadline);
      this.reading.delete(socket);
      socket.setTimeout(0);
      socket.removeListener('data', onData);
      if (response === null || socket.destroyed) {
        socket.destroy();
        return;
      }
      let bytes: Buffer;
      try {
        bytes = encodeResponse(response);
      } catch {
        // A state too large (or too deep) to encode fails this request, not the server.
        bytes = encodeResponse({ status: 'error', message: 'framework: internal error' });
      }
      socket.end(bytes);
    };

    const onData = (chunk: Buffer): void => {
      try {
        handleData(chunk);
      } catch {
        respond({ status: 'error', message: 'framework: internal error' });
      }
    };

    const handleData = (chunk: Buffer): void => {
      const result = reader.push(chunk);
      if (result.kind === 'more') return;
      requestComplete = true;
      clearTimeout(deadline);
      this.reading.delete(socket);
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
      this.framework.handle(decoded.value, { signal: abort.signal }).then(respond, () => respond({ status: 'error', message: 'framework: internal error' }));
    };

    // The silence timeout alone lets a client that trickles a byte now and then hold a connection for ever.
    const deadline = setTimeout(() => respond({ status: 'error', message: `server: request not complete within ${this.requestTimeoutMs} ms` }), this.requestTimeoutMs);
    socket.setTimeout(this.connectionTimeoutMs);
    socket.on('timeout', () => respond({ status: 'error', message: 'server: connection timed out on server' }));
    socket.on('data', onData);
    socket.on('end', () => {
      // The client stopped sending before the terminator: like the reference, answer nothing. After a
      // complete request, a FIN while it still blocks (a join, a long poll) means the client has gone: drop
      // the waiter and the connection instead of holding both until the game moves on.
      if (!requestComplete) respond(null);
      else if (!answered) abort.abort();
    });
    socket.on('error', () => {
      // A reset while a long poll waits: drop the waiter so it does not consume the reader's next change.
      abort.abort();
      socket.destroy();
    });
    socket.on('close', () => {
      clearTimeout(deadline);
      this.sockets.delete(socket);
      this.reading.delete(socket);
      if (!answered) abort.abort();
      if (this.sockets.size === 0) this.drained?.();
    });
  }
}

/** Descriptors kept free of connections: the listener, stdio, logs, and the refused connections being answered. */
const RESERVED_FDS = 128;
/** Refused connections answered at once; the rest are dropped without an answer. */
const REFUSED_MAX = 64;
/** How long a refused connection may stay open after its answer. */
const REFUSED_LINGER_MS = 1000;

/** The soft limit on open files (`ulimit -n`), or undefined where `/proc` does not tell (not Linux). */
export function openFileLimit(): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(text);
  if (!match || match[1] === 'unlimited') return undefined;
  return Number(match[1]);
}
