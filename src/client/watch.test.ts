import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GameState } from '../protocol/messages.ts';
import { GameServer } from '../server/server.ts';
import { GameClient } from './client.ts';
import { watchSession } from './watch.ts';

let server: GameServer;

beforeAll(async () => {
  server = await GameServer.start({ port: 0 });
});

afterAll(async () => {
  await server.close();
});

describe('watchSession', () => {
  it('follows a named player and gets every state it sees, in order, until game over', async () => {
    const { port } = server.address;
    const watched: GameState[] = [];
    const watching = watchSession({
      game: 'TicTacToe',
      session: 'watch-1',
      name: 'bob',
      port,
      untilGameOver: true,
      waitForStartMs: 20,
      onState: (state) => {
        watched.push(state);
      },
    });
    const clients = ['alice', 'bob'].map((name) => new GameClient({ game: 'TicTacToe', session: 'watch-1', players: 2, name, port }));
    const bob = clients[1]!;
    const bobSaw: GameState[] = [];
    // Every move waits until bob and the watcher have both seen the current state, so neither can miss one.
    let version = 1;
    const caughtUp = async (): Promise<void> => {
      while (bobSaw.length < version || watched.length < version) await new Promise((r) => setTimeout(r, 5));
    };
    await Promise.all(clients.map((c) => c.join()));
    await Promise.all(
      clients.map(async (c) => {
        for (;;) {
          const state = await c.state();
          if (c === bob) bobSaw.push(state);
          if (state.gameover) return;
          if (state.current.includes(c.playerId)) {
            await caughtUp();
            version++;
            await c.move({ position: (state.board as number[]).indexOf(-1) });
          }
        }
      }),
    );
    const result = await watching;
    expect(result).toMatchObject({ reason: 'gameover', playerId: bob.playerId, states: bobSaw.length });
    expect(watched).toEqual(bobSaw);
    expect(watched.at(-1)?.gameover).toBe(true);
    expect(watched.length).toBeGreaterThanOrEqual(6);
  });

  it('stops when aborted and when the session is overwritten', async () => {
    const { port } = server.address;
    const controller = new AbortController();
    const waiting = watchSession({ game: 'TicTacToe', session: 'watch-none', name: 'x', port, waitForStartMs: 10, signal: controller.signal, onState: () => {} });
    setTimeout(() => controller.abort(), 50);
    await expect(waiting).resolves.toMatchObject({ reason: 'aborted', states: 0 });

    const clients = ['a', 'b'].map((name) => new GameClient({ game: 'TicTacToe', session: 'watch-2', players: 2, name, port }));
    await Promise.all(clients.map((c) => c.join()));
    const states: GameState[] = [];
    const watching = watchSession({ game: 'TicTacToe', session: 'watch-2', name: 'a', port, onState: (s) => void states.push(s) });
    while (states.length === 0) await new Promise((r) => setTimeout(r, 5));
    // A full named session joined with `players` is replaced: the watcher's long poll learns it.
    const again = ['a', 'b'].map((name) => new GameClient({ game: 'TicTacToe', session: 'watch-2', players: 2, name, port }));
    await Promise.all(again.map((c) => c.join()));
    await expect(watching).resolves.toMatchObject({ reason: 'session-lost', states: 1 });
  });
});
