import type { CommandModule } from 'yargs';
import { runActor } from '../agents/distributed/redis-training.ts';
import { GameGymError } from '../src/core/errors.ts';

interface ActorArgs {
  queue: string | undefined;
  run: string | undefined;
  game: string | undefined;
  'queue-timeout': number;
}

/** `game-gym actor`: plays for a `train --queue` learner and streams the transitions to it through Redis. */
export const actorCommand: CommandModule<object, ActorArgs> = {
  command: 'actor',
  describe: 'Play for the learner of `train --queue URL --run NAME` (any number of actors, on any machine)',
  builder: (y) =>
    y
      .option('queue', { type: 'string', describe: 'Redis of the run: redis://HOST:PORT[/DB]' })
      .option('run', { type: 'string', describe: "The run name (the learner's --run)" })
      .option('game', { type: 'string', describe: 'Refuse the run unless it trains this game' })
      .option('queue-timeout', { type: 'number', default: 60, describe: 'Seconds to wait for the learner, or for Redis, before stopping' }) as never,
  handler: async (args) => {
    if (args.queue === undefined || args.run === undefined) {
      console.error('game-gym actor: Expected --queue redis://HOST:PORT and --run NAME (those of the learner, game-gym train --queue ... --run ...)');
      process.exitCode = 1;
      return;
    }
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
    try {
      const sent = await runActor({ url: args.queue, run: args.run, game: args.game, waitMs: args['queue-timeout'] * 1000, signal: stop.signal });
      console.log(`actor done: ${sent} transitions sent`);
    } catch (error) {
      if (!(error instanceof GameGymError)) throw error;
      console.error(`game-gym actor: ${error.code === 'E_WORKER_REFUSED' ? 'refused: ' : ''}${error.message}`);
      process.exitCode = 1;
    }
  },
};
