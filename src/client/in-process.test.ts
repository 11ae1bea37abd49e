import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, IllegalMoveError, TimeoutError } from '../core/errors.ts';
import type { JsonObject, Response } from '../protocol/messages.ts';
import { GameFramework } from '../server/framework.ts';
import { GameServer } from '../server/server.ts';
import { rejection, waitFor } from '../testing/wait.ts';
import { GameClient } from './client.ts';

const GAME = 'TicTacToe';
const frameworks: GameFramework[] = [];

function framework(): GameFramework {
  const made = new GameFramework({ seed: 'in-process-tests' });
  frameworks.push(made);
  return made;
}

afterEach(() => {
  for (const f of frameworks.splice(0)) f.close();
});

/** Two clients in a fresh session of `server`, joined; [the player to move, the other]. */
async function pair(server: GameFramework, session: string, options: { stateTimeoutMs?: number } = {}): Promise<[GameClient, GameClient]> {
  const a = new GameClient({ game: GAME, server, session, players: 2, ...options });
  const b = new GameClient({ game: GAME, server, session, ...options });
  const waiting = server.waitingCount;
  const joinA = a.join();
  await waitFor(() => server.waitingCount > waiting, 'the first join to wait');
  await Promise.all([joinA, b.join()]);
  const first = await a.state();
  await b.state();
  return first.current[0] === a.playerId ? [a, b] : [b, a];
}

describe('GameFramework.handleNow', () => {
  it('answers what handle answers, with the same effects, and leaves a request that would wait untouched', async () => {
    // The same session on two frameworks of one seed: requests through handle on one, handleNow (handle when it waits) on the other.
    const both = [framework(), framework()];
    const keys = await Promise.all(
      both.map(async (f) => {
        const first = f.handle({ type: 'join', game: GAME, session: 's', players: 2, name: 'a' });
        const second = await f.handle({ type: 'join', game: GAME, session: 's', players: null, name: 'b' });
        return [((await first) as { data: JsonObject }).data.key as string, (second as { data: JsonObject }).data.key as string];
      }),
    );
    const answers: Array<Array<Response | null>> = [[], []];
    const script = (k: string[]): Array<Record<string, unknown>> => [
      { type: 'state', game: GAME, session: 's', player_id: 0, key: k[0], observer: false },
      { type: 'state', game: GAME, session: 's', player_id: 1, key: k[1], observer: false },
      ...[0, 4, 1, 8, 2].map((cell, i) => ({ type: 'move', game: GAME, session: 's', player_id: i % 2, key: k[i % 2], move: { position: cell } })),
      ...[0, 1, 3, 4, 5, 6].map((cell, i) => ({ type: 'move', game: GAME, session: 's', player_id: i % 2, key: k[i % 2], move: { position: cell } })),
      { type: 'move', game: GAME, session: 's', player_id: 0, key: 'wrong', move: { position: 7 } },
      { type: 'move', game: GAME, session: 's', player_id: 0, key: k[0], move: 'not a dict' },
      { type: 'state', game: GAME, session: 's', player_id: 1, key: k[1], observer: false },
      { type: 'state', game: GAME, session: 'nope', player_id: 1, key: k[1], observer: false },
      { type: 'restart', game: GAME, session: 's', player_id: 0, key: k[0] },
      { type: 'observe', game: GAME, session: 's', name: 'b' },
      { type: 'dance', game: GAME },
      { game: GAME },
    ];
    for (let f = 0; f < 2; f++) {
      for (const request of script(keys[f] as string[])) {
        const now = f === 1 ? both[1]!.handleNow(request) : undefined;
        answers[f]!.push(now ?? (await both[f]!.handle(request)));
      }
    }
    // Keys differ between the frameworks; everything else is the same.
    const blindKeys = (r: Response | null) => JSON.parse(JSON.stringify(r).replaceAll(keys[0]![1]!, 'KEY').replaceAll(keys[1]![1]!, 'KEY'));
    expect(answers[1]!.map(blindKeys)).toEqual(answers[0]!.map(blindKeys));
    expect(answers[0]!.some((r) => r?.status === 'illegalmove')).toBe(true);

    // Player 0 has seen everything: handleNow leaves the poll to handle, which waits for the next change.
    const f = both[1]!;
    const poll = { type: 'state', game: GAME, session: 's', player_id: 0, key: keys[1]![0], observer: false };
    expect(f.handleNow(poll)).toMatchObject({ status: 'ok', data: { gameover: false } });
    expect(f.handleNow(poll)).toBeUndefined();
    expect(f.handleNow({ type: 'join', game: GAME, session: 'other', players: 2, name: '' })).toBeUndefined();
    expect(f.waitingCount).toBe(0);
    expect(f.sessionCount).toBe(1);
    const waiting = f.handle(poll);
    expect(f.waitingCount).toBe(1);
    f.handleNow({ type: 'move', game: GAME, session: 's', player_id: 1, key: keys[1]![1], move: { position: 4 } });
    expect(((await waiting) as { data: JsonObject }).data.current).toEqual([0]);
    expect(f.waitingCount).toBe(0);
  });

  it('is left to handle when the server reports request events (their timings come from there)', () => {
    const f = new GameFramework({ onEvent: () => {} });
    frameworks.push(f);
    expect(f.handleNow({ type: 'dance' })).toBeUndefined();
  });
});

describe('GameClient in process: stateNow and moveNow', () => {
  it('reads news and moves without a promise, leaves a read that must wait to state(), and throws what state() and move() reject with', async () => {
    const f = framework();
    const [mover, other] = await pair(f, 'now');
    expect(mover.stateNow()).toBeUndefined();
    expect(f.waitingCount).toBe(0);
    const waiting = mover.state();
    expect(f.waitingCount).toBe(1);
    expect(mover.moveNow({ position: 4 })).toBe(true);
    expect((await waiting).current).toEqual([other.playerId]);
    expect(other.stateNow()?.current).toEqual([other.playerId]);
    expect(() => other.moveNow({ position: 4 })).toThrow(IllegalMoveError);
    const aborted = new AbortController();
    aborted.abort();
    // An aborted call is left to move(), which rejects it without sending.
    expect(other.moveNow({ position: 0 }, aborted.signal)).toBe(false);
    expect(await rejection(other.move({ position: 0 }, { signal: aborted.signal }))).toBeInstanceOf(AbortError);
  });

  it('has no fast path over TCP', async () => {
    const server = await GameServer.start({ port: 0 });
    try {
      const a = new GameClient({ game: GAME, port: server.address.port, session: 'tcp', players: 2 });
      const b = new GameClient({ game: GAME, port: server.address.port, session: 'tcp' });
      await Promise.all([a.join(), b.join()]);
      expect(a.stateNow()).toBeUndefined();
      expect(a.moveNow({ position: 0 })).toBe(false);
      expect((await a.state()).gameover).toBe(false);
    } finally {
      await server.close();
    }
  });
});

describe('InProcessTransport: blocked requests share timers and abort listeners', () => {
  it('times out a long poll stuck behind many answered ones with the same timeout, on time, and no other', async () => {
    const f = framework();
    const [stuck] = await pair(f, 'stuck');
    const started = performance.now();
    // stuck has read its turn and makes no move: its next read waits for a change that never comes.
    const stuckRead = rejection(stuck.state({ timeoutMs: 400 })).then((error) => ({ error, at: performance.now() - started }));
    let polls = 0;
    // Meanwhile other pairs' long polls (the same 400 ms) come and go, a game per pair.
    for (let game = 0; performance.now() - started < 600; game++) {
      let [mover, waiter] = await pair(f, `busy-${game}`);
      let board = new Array<number>(9).fill(-1);
      for (;;) {
        const poll = waiter.state({ timeoutMs: 400 });
        await mover.move({ position: board.indexOf(-1) });
        const seen = await poll;
        await mover.state({ timeoutMs: 400 });
        polls++;
        if (seen.gameover) break;
        board = seen.board as number[];
        [mover, waiter] = [waiter, mover];
      }
    }
    const { error, at } = await stuckRead;
    expect(error).toBeInstanceOf(TimeoutError);
    // On time: not before its 400 ms, and within a generous margin for a loaded machine.
    expect(at).toBeGreaterThanOrEqual(390);
    expect(at).toBeLessThan(3000);
    expect(polls).toBeGreaterThan(20);
    expect(f.waitingCount).toBe(0);
  });

  it('aborts every long poll that waits on one signal, and only those', async () => {
    const f = framework();
    const controller = new AbortController();
    const clients = await Promise.all([0, 1, 2].map((i) => pair(f, `abort-${i}`)));
    const [other] = await pair(f, 'not-aborted');
    const otherController = new AbortController();
    // Each pair's mover has read its turn: its next read waits (nobody else moves).
    const reads = clients.map(([mover]) => rejection(mover.state({ signal: controller.signal })));
    const unaffected = rejection(other.state({ signal: otherController.signal }));
    await waitFor(() => f.waitingCount === 4, 'four long polls to wait');
    controller.abort();
    for (const error of await Promise.all(reads)) expect(error).toBeInstanceOf(AbortError);
    expect(f.waitingCount).toBe(1);
    // The signal can be used again only to fail at once.
    expect(await rejection(clients[0]![0].state({ signal: controller.signal }))).toBeInstanceOf(AbortError);
    expect(f.waitingCount).toBe(1);
    otherController.abort();
    expect(await unaffected).toBeInstanceOf(AbortError);
    expect(f.waitingCount).toBe(0);
  });

  it('sends each request once: the requests a move and its reads count are the same with and without the fast path', async () => {
    const f = framework();
    const [mover] = await pair(f, 'count');
    const before = mover.stats.requests;
    expect(mover.moveNow({ position: 0 })).toBe(true);
    expect(mover.stateNow()).toBeDefined();
    expect(mover.stateNow()).toBeUndefined();
    expect(mover.stats.requests - before).toBe(2);
  });
});
