import { GameGymError } from '../../src/core/errors.ts';

/** An actor process of `--actors N` failed or exited before its work was done. */
export class ActorError extends GameGymError {
  constructor(message: string) {
    super('E_ACTOR', message);
  }
}

/** The Redis job queue (`--queue`) did not answer in time, or a job failed on every attempt. */
export class QueueError extends GameGymError {
  constructor(message: string) {
    super('E_QUEUE', message);
  }
}

/** A `game-gym worker` refused a job: another code version, or it cannot see the job's files or checkpoints. */
export class WorkerRefusedError extends GameGymError {
  constructor(message: string) {
    super('E_WORKER_REFUSED', message);
  }
}
