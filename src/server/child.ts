import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GameGymError, TimeoutError } from '../core/errors.ts';
import type { GameServerOptions } from './server.ts';

/** A game server running in a child process (its own core), for benchmarks and crash tests. */
export interface ChildServer {
  host: string;
  port: number;
  process: ChildProcess;
  /** Stops the child (SIGTERM, then SIGKILL after 3 s) and resolves when it exited. */
  stop(): Promise<void>;
}

/** Options of a child server: the JSON-safe subset of `GameServerOptions`. */
export type ChildServerOptions = Pick<
  GameServerOptions,
  'host' | 'port' | 'seed' | 'maxConnections' | 'maxSessions' | 'maxWaiting' | 'joinTimeoutMs' | 'sessionTimeoutMs' | 'maxSessionStateBytes' | 'requestTimeoutMs'
>;

/** Starts the embedded server in a child Node process and resolves with its address. */
export function startChildServer(options: ChildServerOptions = {}, timeoutMs = 15_000): Promise<ChildServer> {
  return startChildProcess(siblingEntry('child-main', import.meta.url), [JSON.stringify({ port: 0, ...options })], timeoutMs);
}

/** The entry file `name` beside the module at `moduleUrl`: `name.ts` in the sources, `name.js` in the compiled package. */
export function siblingEntry(name: string, moduleUrl: string): string {
  return fileURLToPath(new URL(`./${name}${moduleUrl.endsWith('.ts') ? '.ts' : '.js'}`, moduleUrl));
}

/** The Node flags that run `entry`: the tsx loader for a TypeScript file, none for compiled JavaScript. */
export function loaderArgs(entry: string): string[] {
  return entry.endsWith('.ts') ? ['--import', import.meta.resolve('tsx/esm')] : [];
}

/** Runs an entry file (TypeScript or compiled) in a child Node process that prints `{"host", "port"}` as its first line once it listens. */
export function startChildProcess(entry: string, args: string[], timeoutMs = 15_000): Promise<ChildServer> {
  const child = spawn(process.execPath, [...loaderArgs(entry), entry, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new TimeoutError(`Timed out after ${timeoutMs} ms waiting for the child game server to listen`));
    }, timeoutMs);
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line) {
        clearTimeout(timer);
        const { host, port } = JSON.parse(line) as { host: string; port: number };
        resolve({ host, port, process: child, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new GameGymError('E_SERVER_START', `The child game server exited with code ${code} before listening`));
    });
  });
}
