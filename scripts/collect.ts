import { closeRecordings } from '../src/client/recording.ts';
import type { CommandModule } from 'yargs';
import { COLLECT_DEFAULTS, COLLECT_FORMATS, splitList, type CollectConfig } from '../agents/collect/config.ts';
import { collect } from '../agents/collect/collect.ts';
import { GameGymError } from '../src/core/errors.ts';
import { distributedRunner } from '../agents/distributed/options.ts';
import { stopOnCtrlC } from './ctrl-c.ts';

interface CollectArgs {
  game: string;
  policies: string;
  players: number | undefined;
  sessions: number;
  episodes: number;
  'shard-episodes': number;
  server: string;
  format: string;
  out: string;
  'raw-state': boolean;
  sample: boolean;
  seed: number;
  backend: string;
  record: string | undefined;
  resume: boolean;
  progress: boolean;
  actors: number;
  queue: string | undefined;
  'queue-name': string;
  'queue-timeout': number;
}

/** Builds the collect config from parsed flags. */
export function collectConfigFromArgs(a: CollectArgs): Partial<CollectConfig> {
  return {
    game: a.game,
    policies: splitList(a.policies),
    players: a.players ?? null,
    sessions: a.sessions,
    episodes: a.episodes,
    shardEpisodes: a['shard-episodes'],
    servers: splitList(a.server),
    format: a.format as CollectConfig['format'],
    out: a.out,
    rawState: a['raw-state'],
    sample: a.sample,
    seed: a.seed,
    backend: a.backend as CollectConfig['backend'],
    record: a.record ?? null,
  };
}

const d = COLLECT_DEFAULTS;

/** `game-gym collect`: plays many episodes through policies and writes every step of every seat to sharded files. */
export const collectCommand: CommandModule<object, CollectArgs> = {
  command: 'collect',
  describe: 'Collect self-play data: every step of every seat, in Parquet or JSONL.gz shards with a manifest (crash-safe, --resume)',
  builder: (y) =>
    y
      .option('game', { type: 'string', default: d.game, describe: 'Server game' })
      .option('policies', {
        type: 'string',
        default: d.policies.join(','),
        describe:
          'One policy per seat (player id order), or one for all: bot names of the game or checkpoint folders (a run folder: its best policy; its best/ or checkpoint/), comma-separated',
      })
      .option('players', { type: 'number', describe: "Seats per session (default: the game's usual)" })
      .option('sessions', { type: 'number', default: d.sessions, describe: 'Parallel sessions (each plays all seats of its game)' })
      .option('episodes', { type: 'number', default: d.episodes, describe: 'Episodes (games) to collect in all' })
      .option('shard-episodes', { type: 'number', default: d.shardEpisodes, describe: 'Complete episodes per shard file' })
      .option('server', {
        type: 'string',
        default: d.servers.join(','),
        describe: 'embedded (in process) or host:port, comma-separated for several: sessions are spread round robin',
      })
      .option('format', { type: 'string', default: d.format, choices: COLLECT_FORMATS, describe: 'Shard format' })
      .option('out', { type: 'string', default: d.out, describe: 'Output folder (shards and manifest.json)' })
      .option('raw-state', { type: 'boolean', default: d.rawState, describe: 'Also record the raw server state of every step (JSON string column "state")' })
      .option('sample', { type: 'boolean', default: d.sample, describe: 'Learners sample their actions (explore) instead of acting greedily (act); bots are unaffected' })
      .option('seed', { type: 'number', default: d.seed, describe: 'Seed of the embedded server and the bots (derived per shard and seat; see manifest.json "seeds")' })
      .option('record', { type: 'string', describe: 'Record the protocol traffic of every session to this file (serve it with game-gym replay)' })
      .option('backend', { type: 'string', default: d.backend, choices: ['auto', 'tensorflow', 'wasm', 'cpu'], describe: 'tfjs backend for dqn/ppo checkpoints' })
      .option('resume', { type: 'boolean', default: false, describe: 'Continue the collection in --out (after a crash or Ctrl-C); the flags must match its config' })
      .option('progress', { type: 'boolean', default: true, describe: 'Show a progress bar (--no-progress for logs)' })
      .option('actors', { type: 'number', default: 0, describe: 'Play the shards in N actor processes (0: in this process)' })
      .option('queue', { type: 'string', describe: 'Submit one job per shard to Redis (redis://HOST:PORT) for `game-gym worker`s; --out must be on a shared file system' })
      .option('queue-name', { type: 'string', default: 'game-gym', describe: 'Queue name for --queue' })
      .option('queue-timeout', { type: 'number', default: 60, describe: 'Seconds Redis may not answer before the run stops (continue with --resume)' }) as never,
  handler: async (args) => {
    // The first Ctrl-C stops after the episodes being played (the incomplete shard is played again on --resume); a second one quits.
    const stop = stopOnCtrlC('stopping after the current episodes');
    try {
      const runner = distributedRunner({ actors: args.actors, queue: args.queue, queueName: args['queue-name'], queueTimeoutSeconds: args['queue-timeout'] });
      const result = await collect(collectConfigFromArgs(args), { progress: args.progress, signal: stop.signal, resume: args.resume, runner });
      await closeRecordings();
      if (!result.complete) process.exitCode = 130;
    } catch (error) {
      // Our own errors say what is wrong and what to do: no stack trace, no usage text.
      if (!(error instanceof GameGymError)) throw error;
      console.error(`\ngame-gym collect: ${error.message}`);
      process.exitCode = 1;
    }
  },
};
