import type { CollectHooks } from '../collect/collect.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { actorShardRunner, checkActors } from './actors.ts';
import { queueShardRunner } from './queue.ts';

/** `--actors`, `--queue` and their companions, as the commands take them. */
export interface DistributedOptions {
  actors?: number;
  queue?: string;
  queueName?: string;
  queueTimeoutSeconds?: number;
}

/** The runner the options ask for: Redis jobs, actor processes, or undefined (this process). */
export function distributedRunner(o: DistributedOptions): CollectHooks['runner'] {
  const actors = checkActors(o.actors ?? 0);
  if (o.queue !== undefined) {
    if (actors > 0) throw new InvalidOptionError('Expected either --actors or --queue, got both: with --queue, start `game-gym worker`s instead of actors');
    return queueShardRunner({ url: o.queue, name: o.queueName, waitMs: (o.queueTimeoutSeconds ?? 60) * 1000 });
  }
  return actors > 0 ? actorShardRunner(actors) : undefined;
}
