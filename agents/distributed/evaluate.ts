/**
 * `evaluate --actors N` and `evaluate --queue redis://...`: a tournament's
 * units (chunks of a pair's games with their own seeds, see
 * `tournamentUnits`) are played in actor processes or by `game-gym worker`s,
 * and put together in the units' order, so the counts and the Elo ratings
 * equal those of the same tournament played in one process.
 */
import { createHash } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { resolvePolicy, policyIdentity } from '../collect/policies.ts';
import {
  openTournament,
  playUnit,
  type MatchUnit,
  type OpenTournament,
  type TournamentConfig,
  type UnitResult,
  type UnitRunner,
  type UnitRunnerFactory,
} from '../tournament/tournament.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { siblingEntry } from '../../src/server/child.ts';
import { Actor, checkActors } from './actors.ts';
import { QueueError, WorkerRefusedError } from './errors.ts';
import { DEFAULT_QUEUE_NAME, checkQueueName, codeVersion, redisConnection, within } from './queue.ts';
import { sleep } from '../../src/core/sleep.ts';

/** What the parent sends an evaluate actor. */
export type EvaluateActorRequest = { type: 'open'; config: TournamentConfig } | { type: 'unit'; unit: MatchUnit } | { type: 'close' };

/** What an evaluate actor answers. */
export type EvaluateActorReply = { type: 'ready' } | { type: 'result'; index: number; result: UnitResult } | { type: 'error'; code: string; message: string };

const CHILD = siblingEntry('evaluate-child', import.meta.url);
const OPEN_TIMEOUT_MS = 120_000;
/** The BullMQ job name of a tournament unit (`game-gym worker` runs them beside collect shards). */
export const EVALUATE_JOB = 'evaluate-unit';

/** Options of `evaluate`'s distributed runners, as the command takes them. */
export interface EvaluateDistribution {
  actors?: number;
  queue?: string;
  queueName?: string;
  queueTimeoutSeconds?: number;
}

/** The runner the options ask for: Redis jobs, actor processes, or undefined (this process). */
export function evaluateRunner(o: EvaluateDistribution): UnitRunnerFactory | undefined {
  const actors = checkActors(o.actors ?? 0);
  if (o.queue !== undefined) {
    if (actors > 0) throw new InvalidOptionError('Expected either --actors or --queue, got both: with --queue, start `game-gym worker`s instead of actors');
    return queueUnitRunner(o.queue, checkQueueName(o.queueName ?? DEFAULT_QUEUE_NAME), (o.queueTimeoutSeconds ?? 60) * 1000);
  }
  return actors > 0 ? actorUnitRunner(actors) : undefined;
}

function refuseRecord(config: TournamentConfig, where: string): void {
  if (config.record) throw new InvalidOptionError(`Expected no --record with ${where}: record in one process (without --actors or --queue)`);
}

/** A runner over `actors` child processes: each loads the agents and plays the units it is given, the next one to whichever is free. */
export function actorUnitRunner(actors: number): UnitRunnerFactory {
  return async (config, log) => {
    refuseRecord(config, '--actors');
    const pool = Array.from({ length: actors }, (_, i) => new Actor<EvaluateActorRequest, EvaluateActorReply>(i, CHILD));
    try {
      await Promise.all(pool.map((a) => a.exchange({ type: 'open', config }, (r) => r.type === 'ready', OPEN_TIMEOUT_MS, 'loading the agents')));
    } catch (error) {
      await Promise.all(pool.map((a) => a.close()));
      throw error;
    }
    log(`${actors} actor processes (pids ${pool.map((a) => a.child.pid).join(', ')})`);
    return {
      play: async (units, onResult) => {
        let next = 0;
        let failed = false;
        await Promise.all(
          pool.map(async (actor) => {
            while (!failed && next < units.length) {
              const unit = units[next++] as MatchUnit;
              try {
                await actor.exchange({ type: 'unit', unit }, (reply) => {
                  if (reply.type === 'result') onResult(unit, reply.result);
                  return reply.type === 'result';
                });
              } catch (error) {
                failed = true;
                throw error;
              }
            }
          }),
        );
      },
      close: async () => {
        await Promise.all(pool.map((a) => a.close()));
      },
    };
  };
}

/** What a unit job carries: the resolved config and the unit, never data. */
export interface EvaluateUnitJob {
  run: string;
  config: TournamentConfig;
  unit: MatchUnit;
  /** Each agent's identity (bot name, or checkpoint kind and content hash). */
  identities: string[];
  codeVersion: string;
}

async function agentIdentities(config: TournamentConfig): Promise<string[]> {
  return Promise.all(config.agents.map(async (a) => policyIdentity(await resolvePolicy(a, config.game))));
}

const unitJobId = (run: string, index: number): string => `evaluate-${run}-unit-${index}`;

/** A runner that submits one BullMQ job per unit and waits for `game-gym worker`s to play them. */
export function queueUnitRunner(url: string, name: string, waitMs: number): UnitRunnerFactory {
  const connection = redisConnection(url);
  if (!(Number.isFinite(waitMs) && waitMs > 0)) throw new InvalidOptionError(`Expected queue timeout to be a positive number of seconds, got ${JSON.stringify(waitMs / 1000)}`);
  return async (config, log) => {
    refuseRecord(config, '--queue');
    if (!['embedded'].includes(config.server))
      throw new InvalidOptionError(`Expected --server embedded with --queue (each worker plays on a fresh seeded server), got ${JSON.stringify(config.server)}`);
    const identities = await agentIdentities(config);
    const version = codeVersion();
    const run = createHash('sha256').update(JSON.stringify({ config, identities, version })).digest('hex').slice(0, 16);
    const queue = new Queue<EvaluateUnitJob>(name, { connection });
    // Outages are reported by the waiting loop, once, not per reconnection attempt.
    queue.on('error', () => {});
    log(
      `queue ${url} "${name}": tournament ${run}, code version ${version}; start workers with: game-gym worker --queue ${url}${name === DEFAULT_QUEUE_NAME ? '' : ` --queue-name ${name}`}`,
    );
    const runner: UnitRunner = {
      play: async (units, onResult) => {
        const add = (u: MatchUnit): Promise<unknown> =>
          queue.add(
            EVALUATE_JOB,
            { run, config, unit: u, identities, codeVersion: version },
            { jobId: unitJobId(run, u.index), attempts: 5, backoff: { type: 'exponential', delay: 2_000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } },
          );
        const pending = new Map(units.map((u) => [u.index, u]));
        let lastOk = Date.now();
        let down = false;
        let submitted = false;
        while (pending.size) {
          try {
            await within(
              (async () => {
                if (!submitted) {
                  // Results of an earlier run of the same tournament are reused: a unit plays the same wherever and whenever it is played.
                  for (const u of pending.values()) if (!(await queue.getJob(unitJobId(run, u.index)))) await add(u);
                  submitted = true;
                }
                for (const u of [...pending.values()]) {
                  const job = await queue.getJob(unitJobId(run, u.index));
                  if (!job) {
                    await add(u);
                    continue;
                  }
                  const state = await job.getState();
                  if (state === 'failed') throw new QueueError(`Unit ${u.index} of the tournament failed on every attempt (${job.attemptsMade}): ${job.failedReason}`);
                  // The job was read before its state: read it again for the result of a job that completed in between.
                  const result = state === 'completed' ? ((await queue.getJob(job.id as string))?.returnvalue as UnitResult | null) : null;
                  if (result) {
                    pending.delete(u.index);
                    onResult(u, result);
                  }
                }
              })(),
              Math.max(5_000, pending.size * 50),
              `the state of ${pending.size} unit job(s)`,
            );
            lastOk = Date.now();
            if (down) log(`Redis at ${url} answers again`);
            down = false;
          } catch (error) {
            if (!(error instanceof QueueError && error.message.startsWith('Redis did not answer'))) throw error;
            if (Date.now() - lastOk > waitMs)
              throw new QueueError(
                `Redis at ${url} did not answer for ${Math.round(waitMs / 1000)} s while waiting for ${pending.size} unit(s) of the tournament: start it again and run the same command (finished units are kept for an hour)`,
              );
            if (!down) log(`Redis at ${url} is not answering: waiting up to ${Math.round(waitMs / 1000)} s for it`);
            down = true;
          }
          if (pending.size) await sleep(250);
        }
      },
      close: async () => {
        await within(queue.close(), 5_000, 'closing the queue').catch(() => queue.disconnect());
      },
    };
    return runner;
  };
}

/** A worker's side of unit jobs: checks a job, then plays its unit with the tournament's agents (loaded once per tournament). */
export class EvaluateJobs {
  private current: { run: string; opened: Promise<OpenTournament> } | undefined;

  async process(job: Job<EvaluateUnitJob>, version: string): Promise<UnitResult> {
    const d = job.data;
    if (d.codeVersion !== version) {
      throw new WorkerRefusedError(
        `job ${job.id} was submitted by code version ${d.codeVersion}, this worker runs ${version}: run the same version of game-server-gym on every machine`,
      );
    }
    if (this.current?.run !== d.run) {
      const mine = await agentIdentities(d.config).catch((error: unknown) => {
        throw new WorkerRefusedError(`job ${job.id} wants agents this machine cannot load: ${error instanceof Error ? error.message : String(error)}`);
      });
      if (JSON.stringify(mine) !== JSON.stringify(d.identities)) {
        throw new WorkerRefusedError(
          `job ${job.id} wants agents ${d.identities.join(', ')}, this machine has ${mine.join(', ')}: checkpoints must be the same files on every machine`,
        );
      }
      await this.close();
      this.current = { run: d.run, opened: openTournament(d.config) };
    }
    return playUnit(d.unit, await this.current.opened, d.config);
  }

  async close(): Promise<void> {
    const old = this.current;
    this.current = undefined;
    await old?.opened.then(
      (o) => o.agents.forEach((a) => a.dispose()),
      () => {},
    );
  }
}
