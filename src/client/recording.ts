import { closeSync, openSync, write, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GameGymError } from '../core/errors.ts';
import type { Request, Response } from '../protocol/messages.ts';
import type { RecordedExchange } from '../protocol/recording.ts';
import type { GameClientOptions } from './client.ts';
import { InProcessTransport } from './in-process.ts';
import { TcpTransport } from './tcp.ts';
import type { RequestOptions, Transport } from './transport.ts';

/** Options of `RecordingWriter`. */
export interface RecordingWriterOptions {
  /** Buffered lines are written after at most this many ms. Default 50. */
  flushMs?: number;
  /** Buffered lines are written as soon as they reach this many characters. Default 64 KiB. */
  bufferChars?: number;
  /** Append to an existing file instead of replacing it. Default false. */
  append?: boolean;
}

/**
 * Writes exchanges to a JSON Lines file, asynchronously, a small buffer at a
 * time. The file is opened (and truncated) at once, so a bad path fails early.
 * Lines still buffered when the process exits are written synchronously then;
 * `close()` flushes and closes the file.
 */
export class RecordingWriter {
  readonly file: string;
  /** `performance.now()` when the recording started: `t` counts from here. */
  readonly startedAt = performance.now();
  /** Exchanges written (or buffered) so far. */
  count = 0;
  private fd: number | undefined;
  private buffer: string[] = [];
  private bufferedChars = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The chain of pending writes: each write starts when the one before it is done. */
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;
  private readonly flushMs: number;
  private readonly bufferChars: number;
  private readonly onExit = (): void => this.flushSync();

  constructor(file: string, options: RecordingWriterOptions = {}) {
    this.file = file;
    this.flushMs = options.flushMs ?? 50;
    this.bufferChars = options.bufferChars ?? 64 * 1024;
    try {
      this.fd = openSync(file, options.append ? 'a' : 'w');
    } catch (error) {
      throw new GameGymError('E_RECORDING', `Could not open the recording file ${file}: ${(error as Error).message}`, { cause: error });
    }
    process.once('exit', this.onExit);
  }

  /** Milliseconds since the recording started. */
  now(): number {
    return performance.now() - this.startedAt;
  }

  /** Buffers one exchange; it reaches the file within `flushMs`. */
  append(entry: RecordedExchange): void {
    if (this.closing) return;
    const line = `${JSON.stringify(entry)}\n`;
    this.buffer.push(line);
    this.bufferedChars += line.length;
    this.count++;
    if (this.bufferedChars >= this.bufferChars) {
      void this.flush().catch(() => {});
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush().catch(() => {});
      }, this.flushMs);
      // A pending flush keeps nothing alive: the exit hook writes what is left.
      this.timer.unref();
    }
  }

  /** Writes every buffered line; resolves when they are in the file (rejects if a write failed). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length > 0 && this.fd !== undefined) {
      const fd = this.fd;
      const data = Buffer.from(this.buffer.join(''), 'utf8');
      this.buffer = [];
      this.bufferedChars = 0;
      this.writing = this.writing
        .then(() => writeAll(fd, data))
        .catch((error: Error) => {
          this.failure ??= error;
        });
    }
    return this.writing.then(() => {
      if (this.failure) {
        throw new GameGymError('E_RECORDING', `Could not write the recording file ${this.file}: ${this.failure.message}`, {
          cause: this.failure,
        });
      }
    });
  }

  /** Flushes and closes the file; later exchanges are dropped. */
  close(): Promise<void> {
    this.closing ??= this.flush().finally(() => {
      process.off('exit', this.onExit);
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
    });
    return this.closing;
  }

  /** At process exit: asynchronous writes cannot run any more, so write what is buffered at once. */
  private flushSync(): void {
    if (this.fd === undefined || this.buffer.length === 0) return;
    try {
      writeSync(this.fd, this.buffer.join(''));
    } catch {
      // Exiting anyway.
    }
    this.buffer = [];
  }
}

function writeAll(fd: number, data: Buffer): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const step = (offset: number): void => {
      if (offset >= data.length) {
        resolvePromise();
        return;
      }
      write(fd, data, offset, data.length - offset, null, (error, written) => {
        if (error) reject(error);
        else step(offset + written);
      });
    };
    step(0);
  });
}

/**
 * A transport that passes every request to another transport and records
 * the exchange (request, response or error, timestamps) to a JSON Lines file.
 * Requests are stored as they are, keys included: a recording is as secret as
 * the session it records. Several transports may share one writer (the seats
 * of an env, say); `close()` closes the writer only if this transport made it.
 */
export class RecordingTransport implements Transport {
  readonly description: string;
  readonly inner: Transport;
  readonly writer: RecordingWriter;
  private readonly ownsWriter: boolean;

  constructor(inner: Transport, target: string | RecordingWriter, options: RecordingWriterOptions = {}) {
    this.inner = inner;
    this.ownsWriter = typeof target === 'string';
    this.writer = typeof target === 'string' ? new RecordingWriter(target, options) : target;
    this.description = `${inner.description} (recording to ${this.writer.file})`;
  }

  async request(request: Request, options: RequestOptions): Promise<Response> {
    const t = this.writer.now();
    // Copied before sending: the caller may reuse the request object (the client's state request is).
    const sent = structuredClone(request);
    try {
      const response = await this.inner.request(request, options);
      this.writer.append({ t: round(t), dt: round(this.writer.now() - t), request: sent, response });
      return response;
    } catch (error) {
      const code = error instanceof GameGymError ? error.code : 'E_UNKNOWN';
      const message = error instanceof Error ? error.message : String(error);
      this.writer.append({ t: round(t), dt: round(this.writer.now() - t), request: sent, error: { code, message } });
      throw error;
    }
  }

  /** Writes what is buffered. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Flushes; closes the file if this transport opened it. */
  close(): Promise<void> {
    return this.ownsWriter ? this.writer.close() : this.writer.flush();
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Where a client's requests go, as `GameClientOptions` spell it. */
export type ClientConnectionOptions = Pick<GameClientOptions, 'server' | 'host' | 'port' | 'tls' | 'retries' | 'transport'>;

const writers = new Map<string, RecordingWriter>();

/**
 * A recording transport to `file` around the transport that `connection`
 * describes (a `transport`, an in-process `server`, or host/port/tls, as
 * `GameClient` would pick it). Every transport made for the same file shares
 * one writer, so all the sessions of a run land in one file (opened and
 * truncated on first use); pass the result as `GameClientOptions.transport`.
 */
export function recordingTransportFor(file: string, connection: ClientConnectionOptions = {}): RecordingTransport {
  const path = resolve(file);
  let writer = writers.get(path);
  if (!writer) {
    writer = new RecordingWriter(path);
    writers.set(path, writer);
  }
  const inner =
    connection.transport ??
    (connection.server
      ? new InProcessTransport(connection.server)
      : new TcpTransport({ host: connection.host, port: connection.port, tls: connection.tls, retries: connection.retries }));
  return new RecordingTransport(inner, writer);
}

/** Flushes and closes the shared writers of `recordingTransportFor` (all of them, or the one of `file`). */
export async function closeRecordings(file?: string): Promise<void> {
  const paths = file === undefined ? [...writers.keys()] : [resolve(file)];
  await Promise.all(
    paths.map((path) => {
      const writer = writers.get(path);
      writers.delete(path);
      return writer?.close();
    }),
  );
}
