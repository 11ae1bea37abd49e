import type { CollectHooks } from '../collect/collect.ts';
import { InvalidOptionError } from '../../src/core/errors.ts';
import { actorShardRunner, checkActors } from './actors.ts';
import { queueShardRunner } from './queue.ts';
import type { ExperienceSourceFactory, TrainConfig } from '../training/trainer.ts';
import { checkActorConfig } from './acting.ts';
import { checkRunName, redisExperience } from './redis-training.ts';
import { actorExperience } from './train-actors.ts';

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

/** The experience source `train`'s flags ask for: actor processes, Redis actors, or undefined (this process). */
export function distributedExperience(o: {
  actors?: number;
  queue?: string;
  run?: string;
  'queue-timeout'?: number;
  agent?: string;
  opponent?: string;
  record?: string;
  server?: string;
  'session-prefix'?: string;
}): ExperienceSourceFactory | undefined {
  const actors = checkActors(o.actors ?? 0);
  // Refused before the run folder is made (a --resume takes these from the run's config: the factory checks them again).
  if ((actors > 0 || o.queue !== undefined) && o.agent !== undefined) {
    checkActorConfig({
      agent: o.agent as TrainConfig['agent'],
      opponent: o.opponent ?? 'random',
      record: o.record ?? null,
      server: o.server ?? 'embedded',
      sessionPrefix: o['session-prefix'] ?? null,
    });
  }
  if (o.queue !== undefined) {
    if (actors > 0) throw new InvalidOptionError('Expected either --actors or --queue, got both: with --queue, start `game-gym actor`s instead');
    if (o.run === undefined) throw new InvalidOptionError('Expected --run NAME with --queue: the name the actors join with game-gym actor --queue URL --run NAME');
    return redisExperience({ url: o.queue, run: checkRunName(o.run), waitMs: (o['queue-timeout'] ?? 60) * 1000 });
  }
  if (o.run !== undefined) throw new InvalidOptionError('Expected --run only with --queue');
  return actors > 0 ? actorExperience({ actors }) : undefined;
}
