import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import pRetry from 'p-retry';
import { AbortError, ConnectionRefusedError, ConnectionResetError, GameGymError, InvalidOptionError, ProtocolError, TimeoutError, TlsError } from '../core/errors.ts';
import { decodeResponse, encodeRequest, REQUEST_SIZE_MAX } from '../protocol/framing.ts';
import type { Request, Response } from '../protocol/messages.ts';
import { describeRequest, type RequestOptions, type Transport } from './transport.ts';

/** TLS settings of a client: verify against the system store (`true`), a CA file, or not at all. */
export type ClientTlsOptions =
  | boolean
  | {
      /** PEM file of the CA (or self-signed certificate) to trust instead of the system store. */
      caFile?: string;
      /** PEM text of the CA to trust. */
      ca?: string | Buffer;
      /** false: accept any certificate (the reference client's unverified mode). Default true. */
      verify?: boolean;
      /** Name to check the certificate against; default: the host. */
      servername?: string;
    };

/** Options of `TcpTransport`. */
export interface TcpTransportOptions {
  host?: string;
  port?: number;
  tls?: ClientTlsOptions;
  /** Attempts after the first when connecting fails (refused, DNS, reset before sending). Default 4. */
  retries?: number;
  /** First retry delay in ms, doubled each time up to 2 s. Default 50. */
  retryMinMs?: number;
  /** Requests larger than this are refused before sending. Default 1,000,000. */
  requestSizeMax?: number;
  /** Responses larger than this are a protocol violation. Default 64 MiB. */
  responseSizeMax?: number;
}

/** A connection failure that happened before any byte of the request left, so a retry cannot repeat it. */
class NotSentError extends Error {
  readonly failure: GameGymError;
  constructor(failure: GameGymError) {
    super(failure.message);
    this.failure = failure;
  }
}

/**
 * One TCP (or TLS) connection per request, as the protocol wants: connect,
 * send the request with its terminator, read until the server closes.
 */
export class TcpTransport implements Transport {
  readonly description: string;
  readonly host: string;
  readonly port: number;
  private readonly tlsOptions: tls.ConnectionOptions | undefined;
  private readonly retries: number;
  private readonly retryMinMs: number;
  private readonly requestSizeMax: number;
  private readonly responseSizeMax: number;

  constructor(options: TcpTransportOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 4711;
    if (!Number.isInteger(this.port) || this.port < 1 || this.port > 65535) {
      throw new InvalidOptionError(`Expected port to be an integer from 1 to 65535, got ${String(options.port)}`);
    }
    this.retries = options.retries ?? 4;
    if (!Number.isInteger(this.retries) || this.retries < 0) {
      throw new InvalidOptionError(`Expected retries to be a non-negative integer, got ${String(options.retries)}`);
    }
    this.retryMinMs = options.retryMinMs ?? 50;
    this.requestSizeMax = options.requestSizeMax ?? REQUEST_SIZE_MAX;
    this.responseSizeMax = options.responseSizeMax ?? 64 * 1024 * 1024;
    this.tlsOptions = resolveTls(options.tls, this.host);
    this.description = `${this.tlsOptions ? 'tls' : 'tcp'}://${this.host}:${this.port}`;
  }

  async request(request: Request, options: RequestOptions): Promise<Response> {
    const bytes = encodeRequest(request, this.requestSizeMax);
    const { signal, timeoutMs } = options;
    const deadline = Date.now() + timeoutMs;
    // Only `state` may be sent again after it might have reached the server: it changes nothing there.
    const idempotent = request.type === 'state';
    let lastFailure: NotSentError | undefined;
    try {
      return await pRetry(
        async () => {
          // A retry delay that ran past the deadline: the connection failure says more than a timeout would.
          if (lastFailure && Date.now() >= deadline) throw lastFailure.failure;
          try {
            return await this.once(request, bytes, deadline, timeoutMs, signal);
          } catch (error) {
            if (idempotent && error instanceof ConnectionResetError) lastFailure = new NotSentError(error);
            else if (error instanceof NotSentError) lastFailure = error;
            else throw error;
            throw lastFailure;
          }
        },
        {
          retries: this.retries,
          minTimeout: this.retryMinMs,
          maxTimeout: 2000,
          randomize: true,
          signal,
          shouldRetry: ({ error }) => error instanceof NotSentError && Date.now() < deadline,
        },
      );
    } catch (error) {
      if (error instanceof NotSentError) throw error.failure;
      if (error instanceof GameGymError) throw error;
      if (signal?.aborted) throw new AbortError(`Aborted while waiting for ${describeRequest(request)}`, { cause: error });
      throw error;
    }
  }

  private once(request: Request, bytes: Buffer, deadline: number, timeoutMs: number, signal: AbortSignal | undefined): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      const what = describeRequest(request);
      if (signal?.aborted) {
        reject(new AbortError(`Aborted before sending ${what}`, { cause: signal.reason }));
        return;
      }
      const where = `${this.host}:${this.port}`;
      // TLS runs over a TCP socket of our own: only a TCP socket can be reset (see `finish`).
      const raw = net.connect({ host: this.host, port: this.port, noDelay: true });
      // The certificate is checked here rather than by Node (`rejectUnauthorized`), which would close the
      // connection with a FIN: a server that allows half-open connections may then keep it for ever.
      const verify = this.tlsOptions?.rejectUnauthorized !== false;
      const socket = this.tlsOptions ? tls.connect({ ...this.tlsOptions, rejectUnauthorized: false, host: this.host, socket: raw }) : raw;
      const chunks: Buffer[] = [];
      let received = 0;
      let tcpUp = false;
      let connected = false;
      let settled = false;
      raw.once('connect', () => {
        tcpUp = true;
      });

      const finish = (error: Error | null, response?: Response): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error) {
          // A reset tells a waiting server to drop the request, unlike a plain close (a half-close to it).
          // `resetAndDestroy` throws on a TLS socket, so reset the TCP socket under it, which closes the
          // TLS socket too (destroying both at once can crash Node 20).
          if (!raw.destroyed) raw.resetAndDestroy();
          else socket.destroy();
          reject(error);
        } else {
          socket.destroy();
          resolve(response as Response);
        }
      };
      const onAbort = (): void => finish(new AbortError(`Aborted while waiting for ${what}`, { cause: signal?.reason }));
      signal?.addEventListener('abort', onAbort, { once: true });
      const remaining = deadline - Date.now();
      const timer =
        remaining === Infinity
          ? undefined
          : setTimeout(
              () => {
                const stage = connected ? '' : tcpUp ? ' (the TLS handshake did not finish: does the server speak TLS?)' : ' (not connected)';
                finish(new TimeoutError(`Timed out after ${timeoutMs} ms waiting for ${what} from ${where}${stage}`));
              },
              Math.max(0, remaining),
            );

      socket.once(this.tlsOptions ? 'secureConnect' : 'connect', () => {
        if (this.tlsOptions && verify && !(socket as tls.TLSSocket).authorized) {
          const reason = String((socket as tls.TLSSocket).authorizationError);
          finish(
            new TlsError(
              `TLS handshake with ${where} failed: the server's certificate did not verify (${reason}); ` +
                'trust it with tls: { caFile } or skip the check with tls: { verify: false }',
            ),
          );
          return;
        }
        connected = true;
        socket.write(bytes);
      });
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > this.responseSizeMax) {
          finish(new ProtocolError(`Response from ${where} exceeds ${this.responseSizeMax} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      // The answer is all that arrived before the server closed; `brokenAnswer` says what an undecodable one means.
      const answer = (brokenAnswer: (error: Error) => Error): void => {
        if (received === 0) {
          finish(new ConnectionResetError(`${where} closed the connection without answering ${what}`));
          return;
        }
        try {
          finish(null, decodeResponse(Buffer.concat(chunks, received)));
        } catch (error) {
          finish(brokenAnswer(error as Error));
        }
      };
      socket.on('end', () => answer((error) => error));
      socket.on('error', (error: NodeJS.ErrnoException) => {
        // The server may answer (size exceeded, say) and close before reading all we sent: 'close' decodes it.
        if ((error.code === 'EPIPE' || error.code === 'ECONNRESET') && received > 0) return;
        finish(this.mapError(error, tcpUp, connected, what, where));
      });
      socket.on('close', () => {
        // Closed without 'end' (a reset after the answer): what arrived is all there is.
        if (settled) return;
        answer((error) => new ConnectionResetError(`Connection to ${where} broke after ${received} bytes of the answer to ${what}`, { cause: error }));
      });
    });
  }

  /** Failures before the connection was up become `NotSentError`s, which are safe to retry. */
  private mapError(error: NodeJS.ErrnoException, tcpUp: boolean, connected: boolean, what: string, where: string): Error {
    const code = error.code ?? '';
    if (!connected && (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ECONNRESET')) {
      const reason = code === 'ECONNREFUSED' ? 'connection refused; is the server running?' : code;
      return new NotSentError(new ConnectionRefusedError(`Could not connect to ${where} (${reason})`, { cause: error }));
    }
    if (!connected && this.tlsOptions && (tcpUp || /CERT|self[- _]signed|SSL|TLS/i.test(`${code} ${error.message}`))) {
      return new TlsError(`TLS handshake with ${where} failed: ${error.message}${code ? ` (${code})` : ''}`, { cause: error });
    }
    return new ConnectionResetError(`Connection to ${where} broke (${code || error.message}) while waiting for ${what}`, {
      cause: error,
    });
  }
}

function resolveTls(option: ClientTlsOptions | undefined, host: string): tls.ConnectionOptions | undefined {
  if (!option) return undefined;
  const base: tls.ConnectionOptions = { minVersion: 'TLSv1.2', servername: net.isIP(host) ? undefined : host };
  if (option === true) return base;
  let ca = option.ca;
  if (ca === undefined && option.caFile) {
    try {
      ca = readFileSync(option.caFile);
    } catch (error) {
      throw new InvalidOptionError(`Could not read tls.caFile ${option.caFile}: ${(error as Error).message}`);
    }
  }
  return {
    ...base,
    ...(ca ? { ca } : {}),
    rejectUnauthorized: option.verify ?? true,
    ...(option.servername ? { servername: option.servername } : {}),
  };
}
