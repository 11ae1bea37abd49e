import type { CommandModule } from 'yargs';
import { machineInfo, markdownTable, runProtocolBench, type BenchTransport } from '../src/bench/bench.ts';
import { writeBenchRecord } from '../src/bench/results.ts';

interface BenchArgs {
  transport: string[];
  sessions: number[];
  seconds: number;
  server: string;
  seed: number;
  out: string;
  record: boolean;
}

/** `game-gym bench`: protocol throughput and latency of random-vs-random TicTacToe. */
export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe: 'Measure moves/s and move latency of random-vs-random TicTacToe over TCP and in process',
  builder: (y) =>
    y
      .option('transport', { type: 'array', string: true, default: ['tcp', 'in-process'], choices: ['tcp', 'in-process'], describe: 'Transports to measure' })
      .option('sessions', { type: 'array', number: true, default: [1, 16, 64], describe: 'Numbers of parallel sessions to measure' })
      .option('seconds', { type: 'number', default: 5, describe: 'Seconds of play per (transport, sessions) pair' })
      .option('server', { type: 'string', default: 'embedded', describe: '"embedded" (a child process) or host:port of a running server, e.g. the reference' })
      .option('seed', { type: 'number', default: 1, describe: 'Seed of the server and the random players' })
      .option('out', { type: 'string', default: 'experiments/results', describe: 'Folder for the recorded results' })
      .option('record', { type: 'boolean', default: true, describe: 'Write the results to --out (--no-record to only print)' })
      .check((a) => {
        if (!(a.seconds > 0)) throw new Error(`Expected --seconds to be a positive number, got ${a.seconds}`);
        for (const s of a.sessions) if (!(Number.isInteger(s) && s > 0)) throw new Error(`Expected --sessions to be positive integers, got ${s}`);
        return true;
      }) as never,
  handler: async (args) => {
    const config = { transport: args.transport, sessions: args.sessions, seconds: args.seconds, server: args.server, seed: args.seed };
    console.log(`game-gym bench ${JSON.stringify(config)}`);
    const rows = await runProtocolBench({
      transports: args.transport as BenchTransport[],
      sessions: args.sessions,
      seconds: args.seconds,
      server: args.server,
      seed: args.seed,
      onStart: ({ transport, sessions, index, total }) =>
        console.error(`[${index + 1}/${total}] ${transport}, ${sessions} session(s), ${args.seconds} s ...`),
    });
    console.log(markdownTable(rows as never));
    if (args.record) {
      const file = await writeBenchRecord(args.out, {
        name: 'protocol-bench',
        date: new Date().toISOString(),
        command: `game-gym ${process.argv.slice(2).join(' ')}`,
        machine: machineInfo(),
        config,
        rows,
      });
      console.log(`recorded: ${file}`);
    }
  },
};
