// An actor process of `train --actors N` (see train-actors.ts): plays with the newest weights its parent sent and sends back packed transitions.
import type { LearnerSpec } from '../agent.ts';
import type { TrainConfig } from '../training/trainer.ts';
import { GameGymError } from '../../src/core/errors.ts';
import { initBackend } from '../tf/backend.ts';
import { actLoop, type PublishedWeights } from './acting.ts';
import type { TrainActorReply, TrainActorRequest } from './train-actors.ts';

/** Packed batches sent and not yet taken by the learner: the actor waits beyond this. */
const MAX_IN_FLIGHT = 4;

let newest: PublishedWeights | undefined;
let opened: { config: TrainConfig; spec: LearnerSpec; index: number; initial: PublishedWeights } | undefined;
let inFlight = 0;
let credit: (() => void) | undefined;
const stop = new AbortController();

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function send(message: TrainActorReply): void {
  process.send?.(message);
}

function fail(error: unknown): void {
  send({ type: 'error', code: error instanceof GameGymError ? error.code : 'E_ACTOR', message: error instanceof Error ? error.message : String(error) });
}

async function play(): Promise<void> {
  const o = opened as NonNullable<typeof opened>;
  const transitions = await actLoop({
    ...o,
    newest: (version) => (newest && newest.version > version ? newest : undefined),
    send: async (packed, count) => {
      inFlight++;
      send({ type: 'experience', data: packed, transitions: count });
      while (inFlight >= MAX_IN_FLIGHT && !stop.signal.aborted) await new Promise<void>((resolve) => (credit = resolve));
    },
    signal: stop.signal,
  });
  send({ type: 'stopped', transitions, cpuSeconds: cpuSeconds() });
}

// An actor whose parent is gone (killed, crashed) has no one to report to.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: TrainActorRequest) => {
  const work = async (): Promise<void> => {
    if (message.type === 'open') {
      await initBackend(message.config.backend);
      opened = { config: message.config, spec: message.spec, index: message.index, initial: message.weights };
      send({ type: 'ready' });
    } else if (message.type === 'start') {
      play().catch(fail);
    } else if (message.type === 'weights') {
      newest = message.weights;
    } else if (message.type === 'credit') {
      inFlight--;
      credit?.();
    } else if (message.type === 'stop') {
      stop.abort();
      credit?.();
    } else if (message.type === 'close') {
      process.exit(0);
    }
  };
  work().catch(fail);
});
