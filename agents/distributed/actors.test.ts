import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../collect/collect.ts';
import { actorShardRunner, checkActors } from './actors.ts';
import { collectionIds, spawnCli } from '../testing/distributed.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'gsg-actors-test-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const quiet = { log: () => {}, progress: false };
const config = (out: string) => ({ game: 'TicTacToe', episodes: 400, shardEpisodes: 100, sessions: 4, out });

describe('collect --actors', () => {
  it('writes, from 2 actor processes, the same shards byte for byte as one process', async () => {
    const single = await collect(config(path.join(root, 'single')), quiet);
    const actors = await collect(config(path.join(root, 'actors')), { ...quiet, runner: actorShardRunner(2) });
    expect(actors.complete).toBe(true);
    expect(actors.written).toEqual(single.written);
    const a = await collectionIds(path.join(root, 'single'));
    const b = await collectionIds(path.join(root, 'actors'));
    expect(b.manifest.shards).toEqual(a.manifest.shards);
    expect(b.episodeIds).toEqual(Array.from({ length: 400 }, (_, i) => i));
  }, 60_000);

  it('stops on the signal, and --resume completes the same collection', async () => {
    const out = path.join(root, 'stopped');
    const stop = new AbortController();
    let played = 0;
    const first = await collect(config(out), {
      ...quiet,
      signal: stop.signal,
      runner: async (c, r, l) => {
        const runner = await actorShardRunner(2)(c, r, l);
        return {
          ...runner,
          run: (from, to, hooks) =>
            runner.run(from, to, {
              ...hooks,
              onPlayed: (e, s) => {
                hooks.onPlayed(e, s);
                if ((played += e) >= 100) stop.abort();
              },
            }),
        };
      },
    });
    expect(first.complete).toBe(false);
    const second = await collect(config(out), { ...quiet, resume: true, runner: actorShardRunner(2) });
    expect(second.complete).toBe(true);
    const ids = await collectionIds(out);
    expect(ids.episodeIds).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(ids.manifest.shards).toEqual((await collectionIds(path.join(root, 'single'))).manifest.shards);
  }, 60_000);

  it('validates --actors at the boundary, and the CLI says so in one line', async () => {
    expect(checkActors(0)).toBe(0);
    expect(() => checkActors(-1)).toThrow('Expected actors to be an integer from 0 (in this process) to 256, got -1');
    expect(() => checkActors(1.5)).toThrow('got 1.5');
    const cli = spawnCli(['collect', '--actors', '2', '--queue', 'redis://127.0.0.1:6379', '--out', path.join(root, 'both'), '--no-progress']);
    expect(await cli.exited).toBe(1);
    const lines = cli.output().trim().split('\n');
    expect(lines.at(-1)).toBe('game-gym collect: Expected either --actors or --queue, got both: with --queue, start `game-gym worker`s instead of actors');
    expect(cli.output()).not.toMatch(/\n\s+at /);
  }, 30_000);
});
