import type { CommandModule } from 'yargs';
import { DEFAULT_QUEUE_NAME, runWorker } from '../agents/distributed/queue.ts';
import { GameGymError } from '../src/core/errors.ts';
import { stopOnCtrlC } from './ctrl-c.ts';

interface WorkerArgs {
  queue: string | undefined;
  'queue-name': string;
  'lock-seconds': number;
}

/** `game-gym worker`: plays the shard jobs that `collect --queue` submits, on any machine that shares the output folder. */
export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: 'worker',
  describe: 'Play the jobs of `collect --queue` (shards; on any machine sharing --out) and `evaluate --queue` (tournament units); any number of workers',
  builder: (y) =>
    y
      .option('queue', { type: 'string', describe: 'Redis of the jobs: redis://HOST:PORT[/DB]' })
      .option('queue-name', { type: 'string', default: DEFAULT_QUEUE_NAME, describe: "Queue name (the same as the submitting command's)" })
      .option('lock-seconds', {
        type: 'number',
        default: 30,
        describe: 'A job whose worker stops answering for this long (killed, machine gone) is given to another worker',
      }) as never,
  handler: async (args) => {
    if (args.queue === undefined) {
      console.error('game-gym worker: Expected --queue redis://HOST:PORT (the Redis that `collect --queue` submits to)');
      process.exitCode = 1;
      return;
    }
    const queue = args.queue;
    const stop = stopOnCtrlC('stopping after the current job (a job left at once is retried elsewhere)');
    process.once('SIGTERM', () => stop.abort());
    try {
      const result = await runWorker({ url: queue, name: args['queue-name'], lockMs: Math.round(args['lock-seconds'] * 1000), signal: stop.signal });
      if (result.refused) {
        console.error(`game-gym worker: refused: ${result.refused.message}`);
        process.exitCode = 1;
      }
    } catch (error) {
      if (!(error instanceof GameGymError)) throw error;
      console.error(`game-gym worker: ${error.message}`);
      process.exitCode = 1;
    }
  },
};
