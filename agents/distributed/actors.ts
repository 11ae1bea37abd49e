/**
 * `collect --actors N`: N child processes, each with its own sessions (an
 * embedded server per shard, or TCP to `--server`), its own copy of the
 * policies and its own batched inference, play whole shards and write them
 * into the collection's folder; this process hands out the shards and keeps
 * the manifest. A shard plays the same in any process (its server, sessions
 * and bots are seeded by the shard), so N actors write the same collection
 * as one process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { ShardRunner, ShardRunnerHooks } from '../collect/collect.ts';
import type { CollectConfig } from '../collect/config.ts';
import type { ResolvedPolicy } from '../collect/policies.ts';
import type { ShardEntry } from '../collect/shards.ts';
import { GameGymError, InvalidOptionError } from '../../src/core/errors.ts';
import { loaderArgs, siblingEntry } from '../../src/server/child.ts';
import { ActorError } from './errors.ts';

/** What the parent sends an actor. */
export type ActorRequest = { type: 'open'; config: unknown; resolved: unknown } | { type: 'shard'; shard: number } | { type: 'stop' } | { type: 'close' };

/** What an actor answers. */
export type ActorReply =
  | { type: 'ready' }
  | { type: 'played'; episodes: number; steps: number }
  | { type: 'shard'; entry: ShardEntry }
  | { type: 'stopped'; shard: number }
  | { type: 'error'; code: string; message: string };

const CHILD = siblingEntry('actor-child', import.meta.url);
/** How long an actor may take to load its policies. */
const OPEN_TIMEOUT_MS = 120_000;

/** Checks `--actors`: 0 plays in this process (the default), N > 0 in N actor processes. */
export function checkActors(actors: unknown): number {
  if (!(typeof actors === 'number' && Number.isInteger(actors) && actors >= 0 && actors <= 256)) {
    throw new InvalidOptionError(`Expected actors to be an integer from 0 (in this process) to 256, got ${JSON.stringify(actors)}`);
  }
  return actors;
}

/** One actor process (by default a `collect` one) and the reply handler of the work it has now. */
export class Actor<Request extends { type: string } = ActorRequest, Reply extends { type: string } = ActorReply> {
  readonly index: number;
  readonly child: ChildProcess;
  private handler: ((reply: Reply) => void) | undefined;
  private exitHandler: ((error: ActorError) => void) | undefined;
  exited = false;

  constructor(index: number, entry: string = CHILD) {
    this.index = index;
    this.child = fork(entry, [], { execArgv: loaderArgs(entry), stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    this.child.on('message', (reply: Reply) => this.handler?.(reply));
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.exitHandler?.(new ActorError(`Actor ${this.index} (pid ${this.child.pid}) exited (${signal ?? `code ${code}`}) before its work was done`));
    });
  }

  /** Sends a request and routes the replies to `onReply` until it returns true; rejects on an error reply or exit. */
  exchange(request: Request | null, onReply: (reply: Reply) => boolean, timeoutMs?: number, pending = 'an answer'): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => finish(new ActorError(`Actor ${this.index} did not answer within ${timeoutMs} ms (pending: ${pending})`)), timeoutMs);
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        this.handler = undefined;
        this.exitHandler = undefined;
        if (error) reject(error);
        else resolve();
      };
      this.exitHandler = finish;
      this.handler = (reply) => {
        if (reply.type === 'error') {
          const e = reply as unknown as { code: string; message: string };
          finish(new GameGymError(e.code, `Actor ${this.index}: ${e.message}`));
        } else if (onReply(reply)) finish();
      };
      if (this.exited) finish(new ActorError(`Actor ${this.index} has exited`));
      else if (request) this.child.send(request);
    });
  }

  send(request: Request): void {
    if (!this.exited && this.child.connected) this.child.send(request);
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send({ type: 'close' } as Request);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** A `collect` runner over `actors` child processes (see the file's comment). */
export function actorShardRunner(actors: number): (config: CollectConfig, resolved: ResolvedPolicy[], log: (line: string) => void) => Promise<ShardRunner> {
  return async (config, resolved, log) => {
    const pool = Array.from({ length: actors }, (_, i) => new Actor(i));
    try {
      await Promise.all(pool.map((a) => a.exchange({ type: 'open', config, resolved }, (r) => r.type === 'ready', OPEN_TIMEOUT_MS, 'loading the policies')));
    } catch (error) {
      await Promise.all(pool.map((a) => a.close()));
      throw error;
    }
    log(`${actors} actor processes (pids ${pool.map((a) => a.child.pid).join(', ')}), ${config.sessions} sessions each`);
    return {
      run: (from, to, hooks) => runOnActors(pool, from, to, hooks),
      meanBatch: () => null,
      close: async () => {
        await Promise.all(pool.map((a) => a.close()));
      },
    };
  };
}

/** Hands the shards to the actors, the next one to whichever is free; stops them all on the signal or the first failure. */
async function runOnActors(pool: Actor[], from: number, to: number, hooks: ShardRunnerHooks): Promise<boolean> {
  let next = from;
  let stopped = false;
  const stopAll = (): void => {
    stopped = true;
    for (const a of pool) a.send({ type: 'stop' });
  };
  hooks.signal?.addEventListener('abort', stopAll, { once: true });
  if (hooks.signal?.aborted) stopAll();
  try {
    await Promise.all(
      pool.map(async (actor) => {
        try {
          while (!stopped && next < to) {
            const shard = next++;
            let entry: ShardEntry | undefined;
            await actor.exchange({ type: 'shard', shard }, (reply) => {
              if (reply.type === 'played') hooks.onPlayed(reply.episodes, reply.steps);
              if (reply.type === 'shard') entry = reply.entry;
              return reply.type === 'shard' || reply.type === 'stopped';
            });
            if (entry) await hooks.onShard(entry);
          }
        } catch (error) {
          stopAll();
          throw error;
        }
      }),
    );
  } finally {
    hooks.signal?.removeEventListener('abort', stopAll);
  }
  return !stopped && next >= to;
}
