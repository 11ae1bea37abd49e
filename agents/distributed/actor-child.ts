// An actor process of `collect --actors N` (see actors.ts): plays the shards its parent sends, over IPC.
import { ShardPlayer } from '../collect/collect.ts';
import type { CollectConfig } from '../collect/config.ts';
import type { ResolvedPolicy } from '../collect/policies.ts';
import { GameGymError } from '../../src/core/errors.ts';
import type { ActorReply, ActorRequest } from './actors.ts';

const PROGRESS_EVERY_MS = 100;

let player: ShardPlayer | undefined;
let stop = new AbortController();

function send(message: ActorReply): void {
  process.send?.(message);
}

function fail(error: unknown): void {
  const code = error instanceof GameGymError ? error.code : 'E_ACTOR';
  const message = error instanceof Error ? error.message : String(error);
  send({ type: 'error', code, message });
}

async function playShard(shard: number): Promise<void> {
  let episodes = 0;
  let steps = 0;
  let last = performance.now();
  const flush = (): void => {
    if (episodes) send({ type: 'played', episodes, steps });
    episodes = 0;
    steps = 0;
    last = performance.now();
  };
  const entry = await (player as ShardPlayer).play(shard, stop.signal, (rows) => {
    episodes++;
    steps += rows;
    if (performance.now() - last > PROGRESS_EVERY_MS) flush();
  });
  flush();
  send(entry ? { type: 'shard', entry } : { type: 'stopped', shard });
}

// An actor whose parent is gone (killed, crashed) has no one to report to.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: ActorRequest) => {
  const work = async (): Promise<void> => {
    if (message.type === 'open') {
      player = await ShardPlayer.open(message.config as CollectConfig, message.resolved as ResolvedPolicy[]);
      send({ type: 'ready' });
    } else if (message.type === 'shard') {
      stop = new AbortController();
      await playShard(message.shard);
    } else if (message.type === 'stop') {
      stop.abort();
    } else if (message.type === 'close') {
      await player?.close();
      process.exit(0);
    }
  };
  work().catch(fail);
});
