import type { CommandModule } from 'yargs';
import { machineInfo, markdownTable, runProtocolBench, type BenchTransport } from '../agents/bench/bench.ts';
import { runEnvBench } from '../agents/bench/env-bench.ts';
import { measureTcpCeiling } from '../agents/bench/tcp-ceiling.ts';
import { writeBenchRecord } from '../agents/bench/results.ts';
import { measureTrainingThroughput } from '../agents/training/throughput.ts';
import { AGENT_NAMES } from '../agents/training/registry.ts';
import { measureCollection } from '../agents/collect/collect.ts';
import { actorShardRunner } from '../agents/distributed/actors.ts';
import { measureTrainActors } from '../agents/distributed/train-bench.ts';

interface BenchArgs {
  suite: string[];
  transport: string[];
  sessions: number[];
  envs: number[];
  'train-steps': number;
  'collect-sessions': number[];
  actors: number[];
  concurrency: number;
  warmup: number;
  seconds: number;
  server: string;
  seed: number;
  out: string;
  record: boolean;
}

/** `game-gym bench`: protocol throughput and latency, and env steps per second. */
export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe: 'Measure protocol moves/s and latency (random TicTacToe) and env steps/s, over TCP and in process',
  builder: (y) =>
    y
      .option('suite', {
        type: 'array',
        string: true,
        default: ['protocol', 'env'],
        choices: ['protocol', 'env', 'train', 'train-actors', 'collect', 'collect-actors', 'tcp-ceiling'],
        describe:
          'What to measure (train: env steps/s while learning, per agent; train-actors: DQN training steps/s with --actors N, 0 = in process; collect: self-play collection steps/s; collect-actors: collection steps/s in N actor processes, 0 = in process; tcp-ceiling: requests/s of one connection per request, bare node:net server vs the game server)',
      })
      .option('warmup', { type: 'number', default: 1, describe: 'protocol and env suites: seconds of play before each measurement (JIT warm-up), not counted' })
      .option('concurrency', { type: 'number', default: 32, describe: 'tcp-ceiling suite: requests in flight at once' })
      .option('collect-sessions', { type: 'array', number: true, default: [1, 16, 64, 256], describe: 'collect suite: sessions to measure' })
      .option('actors', {
        type: 'array',
        number: true,
        default: [0, 1, 2, 4],
        describe: 'collect-actors and train-actors suites: actor processes to measure (0 = in this process), 64 (collect) or 16 (train) sessions each',
      })
      .option('train-steps', { type: 'number', default: 20000, describe: 'train suite: env steps per agent and transport' })
      .option('transport', { type: 'array', string: true, default: ['tcp', 'in-process'], choices: ['tcp', 'in-process'], describe: 'Transports to measure' })
      .option('sessions', { type: 'array', number: true, default: [1, 16, 64], describe: 'protocol suite: parallel sessions to measure' })
      .option('envs', { type: 'array', number: true, default: [1, 64], describe: 'env suite: envs (sessions) in the vector' })
      .option('seconds', { type: 'number', default: 5, describe: 'Seconds of play per measured pair' })
      .option('server', { type: 'string', default: 'embedded', describe: 'protocol suite: "embedded" (a child process) or host:port of a running server, e.g. the reference' })
      .option('seed', { type: 'number', default: 1, describe: 'Seed of the server and the random players' })
      .option('out', { type: 'string', default: 'experiments/results', describe: 'Folder for the recorded results' })
      .option('record', { type: 'boolean', default: true, describe: 'Write the results to --out (--no-record to only print)' })
      .check((a) => {
        if (!(a.seconds > 0)) throw new Error(`Expected --seconds to be a positive number, got ${a.seconds}`);
        if (!(a.warmup >= 0)) throw new Error(`Expected --warmup to be a non-negative number, got ${a.warmup}`);
        if (!(Number.isInteger(a.concurrency) && a.concurrency > 0)) throw new Error(`Expected --concurrency to be a positive integer, got ${a.concurrency}`);
        for (const s of [...a.sessions, ...a.envs]) {
          if (!(Number.isInteger(s) && s > 0)) throw new Error(`Expected --sessions and --envs to be positive integers, got ${s}`);
        }
        return true;
      }) as never,
  handler: async (args) => {
    const config = {
      suite: args.suite,
      transport: args.transport,
      sessions: args.sessions,
      envs: args.envs,
      seconds: args.seconds,
      server: args.server,
      seed: args.seed,
      concurrency: args.concurrency,
      warmup: args.warmup,
    };
    console.log(`game-gym bench ${JSON.stringify(config)}`);
    const transports = args.transport as BenchTransport[];
    const record = async (name: string, rows: object[]): Promise<void> => {
      console.log(markdownTable(rows as never));
      if (!args.record) return;
      const file = await writeBenchRecord(args.out, {
        name,
        date: new Date().toISOString(),
        command: `game-gym ${process.argv.slice(2).join(' ')}`,
        machine: machineInfo(),
        config,
        rows,
      });
      console.log(`recorded: ${file}`);
    };
    if (args.suite.includes('protocol')) {
      const rows = await runProtocolBench({
        transports,
        sessions: args.sessions,
        seconds: args.seconds,
        warmupSeconds: args.warmup,
        server: args.server,
        seed: args.seed,
        onStart: ({ transport, sessions, index, total }) => console.error(`protocol [${index + 1}/${total}] ${transport}, ${sessions} session(s), ${args.seconds} s ...`),
      });
      await record('protocol-bench', rows);
    }
    if (args.suite.includes('env')) {
      const rows = await runEnvBench({
        transports,
        envs: args.envs,
        seconds: args.seconds,
        warmupSeconds: args.warmup,
        seed: args.seed,
        onStart: ({ transport, envs, index, total }) => console.error(`env [${index + 1}/${total}] ${transport}, ${envs} env(s), ${args.seconds} s ...`),
      });
      await record('env-bench', rows);
    }
    if (args.suite.includes('train')) {
      const rows = await measureTrainingThroughput({
        agents: [...AGENT_NAMES],
        transports,
        envs: 16,
        steps: args['train-steps'],
        seed: args.seed,
        onStart: (what) => console.error(`train: ${what}, ${args['train-steps']} env steps ...`),
      });
      await record('train-throughput', rows);
    }
    if (args.suite.includes('tcp-ceiling')) {
      console.error(`tcp-ceiling: ${args.concurrency} requests in flight, ${args.seconds} s per server ...`);
      await record('tcp-ceiling', await measureTcpCeiling({ seconds: args.seconds, concurrency: args.concurrency }));
    }
    if (args.suite.includes('collect')) {
      const rows = [];
      for (const transport of transports) {
        for (const sessions of args['collect-sessions']) {
          console.error(`collect: ${transport}, ${sessions} session(s), ${args.seconds} s ...`);
          rows.push({ transport, ...(await measureCollection({ sessions, seconds: args.seconds, server: transport === 'tcp' ? 'child' : 'embedded', seed: args.seed })) });
        }
      }
      await record('collect-throughput', rows);
    }
    if (args.suite.includes('train-actors')) {
      const rows = [];
      for (const actors of args.actors) {
        console.error(`train-actors: ${actors} actor(s), 16 sessions each, ${args['train-steps']} env steps ...`);
        rows.push(await measureTrainActors({ actors, steps: args['train-steps'], envs: 16, seed: args.seed }));
      }
      await record('train-actors-throughput', rows);
    }
    if (args.suite.includes('collect-actors')) {
      const rows = [];
      for (const actors of args.actors) {
        console.error(`collect-actors: ${actors} actor(s), 64 sessions each, ${args.seconds} s ...`);
        const runner = actors > 0 ? actorShardRunner(actors) : undefined;
        rows.push({ actors, ...(await measureCollection({ sessions: 64, seconds: args.seconds, seed: args.seed, runner })) });
      }
      await record('collect-actors-throughput', rows);
    }
  },
};
