import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from '../agents/training/trainer.ts';
import { GameServer } from '../src/server/server.ts';
import { watchSession } from '../src/client/watch.ts';

describe('watching a training run', () => {
  let out: string;
  let server: GameServer;
  beforeAll(async () => {
    out = await mkdtemp(path.join(os.tmpdir(), 'gsg-watch-train-'));
    server = await GameServer.start({ port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await rm(out, { recursive: true, force: true });
  });

  it('names its run folder and sessions as asked and prints how to watch them; watch follows a learner seat', async () => {
    const lines: string[] = [];
    const { host, port } = server.address;
    const watching = watchSession({ game: 'TicTacToe', session: 'wt-0', name: 'learner-0', host, port, untilGameOver: true, onState: () => {} });
    const result = await train(
      { agent: 'tabular-q', steps: 400, envs: 2, evalGames: 4, server: `${host}:${port}`, runName: 'watched', sessionPrefix: 'wt', out },
      { progress: false, log: (l) => lines.push(l) },
    );
    expect(result.runDir).toBe(path.join(out, 'watched'));
    expect(lines).toContain(`sessions: wt-0 .. wt-1; watch one: game-gym watch --game TicTacToe --session wt-0 --name learner-0 --host ${host} --port ${port}`);
    const watched = await watching;
    expect(watched.reason).toBe('gameover');
    expect(watched.states).toBeGreaterThan(0);
    await expect(train({ agent: 'tabular-q', steps: 10, runName: 'watched', out }, { progress: false, log: () => {} })).rejects.toThrow(
      /holds a run already: continue it with --resume/,
    );
  }, 60_000);
});
