import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  ClientStateError,
  ConnectionRefusedError,
  ConnectionResetError,
  GameServerError,
  IllegalMoveError,
  InvalidOptionError,
  ProtocolError,
  RequestTooLargeError,
  SessionLostError,
  TimeoutError,
} from '../core/errors.ts';
import { encodeRequest } from '../protocol/framing.ts';
import type { GameState, Request } from '../protocol/messages.ts';
import { GameServer } from '../server/server.ts';
import { GameClient, type GameClientOptions } from './client.ts';
import { sleep } from '../core/sleep.ts';
import { rejection, waitFor } from '../testing/wait.ts';
import { finalTicTacToeProblem, playTicTacToeSeries, randomCells } from '../testing/faults.ts';
import { TcpTransport } from './tcp.ts';

let server: GameServer;
let port: number;

beforeAll(async () => {
  server = await GameServer.start({ port: 0, seed: 'client-tests' });
  port = server.address.port;
});
afterAll(() => server.close());

/** A port nobody listens on (just freed). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port: p } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return p;
}

type Transports = 'tcp' | 'in-process';
const TRANSPORTS: Transports[] = ['tcp', 'in-process'];

function client(kind: Transports, options: Omit<GameClientOptions, 'game'> & { game?: string }): GameClient {
  const where = kind === 'tcp' ? { port } : { server: server.framework };
  return new GameClient({ game: 'TicTacToe', ...where, ...options });
}

/** Joins a named TicTacToe session with two clients; resolves once both are in. */
async function pair(kind: Transports, session: string, extra: Omit<GameClientOptions, 'game'> = {}): Promise<[GameClient, GameClient]> {
  const a = client(kind, { session, players: 2, name: 'alice', ...extra });
  const b = client(kind, { session, name: 'bob', ...extra });
  const joinA = a.join();
  await waitFor(() => server.framework.waitingCount > 0, 'the first join to wait');
  await b.join();
  await joinA;
  return [a, b];
}

/** Reads both clients' first state and returns [the player to move, the other]. */
async function byTurn(a: GameClient, b: GameClient): Promise<[GameClient, GameClient, GameState]> {
  const [sa] = await Promise.all([a.state(), b.state()]);
  return sa.current[0] === a.playerId ? [a, b, sa] : [b, a, sa];
}

describe.each(TRANSPORTS)('GameClient over %s against the embedded server', (kind) => {
  it('plays a TicTacToe game to the end, restarts, and an observer follows', async () => {
    const session = `play-${kind}`;
    const a = client(kind, { session, players: 2, name: 'alice' });
    const b = client(kind, { session, name: 'bob' });
    expect(a.joined).toBe(false);
    const [ja, jb] = await Promise.all([a.join(), b.join()]);
    expect([ja.playerId, jb.playerId].sort()).toEqual([0, 1]);
    expect(ja).toMatchObject({ session, requestSizeMax: 1_000_000 });
    expect(jb.session).toBe(session);
    expect(ja.key).not.toBe(jb.key);
    expect(a.joined && b.joined).toBe(true);
    expect(a.playerId).toBe(ja.playerId);

    const observer = client(kind, { session, name: 'alice' });
    expect(await observer.observe()).toEqual({ playerId: ja.playerId, key: ja.key });
    expect(observer.isObserver).toBe(true);

    const [finalA, finalB] = await Promise.all([
      playTicTacToeSeries(a, 1, { restarter: false, pick: randomCells(1) }),
      playTicTacToeSeries(b, 1, { restarter: false, pick: randomCells(2) }),
    ]);
    expect(finalTicTacToeProblem(finalA[0]!)).toBeNull();
    expect(finalB[0]!.board).toEqual(finalA[0]!.board);
    expect(finalB[0]!.winner).toEqual(finalA[0]!.winner);

    // The observer has not read since the game started: it gets alice's view of the end at once.
    expect(await observer.state({ timeoutMs: 1000 })).toEqual(finalA[0]);
    await expect(observer.move({ position: 0 })).rejects.toThrow(ClientStateError);
    await expect(observer.restart()).rejects.toThrow(new ClientStateError('An observer cannot restart'));

    // A move after the end is refused by the framework.
    const ended = await rejection(a.move({ position: 0 }));
    expect(ended).toBeInstanceOf(GameServerError);
    expect(ended).toMatchObject({ code: 'E_SERVER', serverMessage: 'framework: game has ended' });

    // alice restarts: she sees the new game at once; bob and the observer see the old end once more, then the new game.
    await a.restart();
    const fresh = await a.state({ timeoutMs: 1000 });
    expect(fresh).toMatchObject({ board: Array(9).fill(-1), winner: null, gameover: false });
    expect(await b.state({ timeoutMs: 1000 })).toEqual(finalB[0]);
    expect(await b.state({ timeoutMs: 1000 })).toMatchObject({ board: Array(9).fill(-1), gameover: false, current: fresh.current });
    expect(await observer.state({ timeoutMs: 1000 })).toEqual(finalA[0]);
    expect(await observer.state({ timeoutMs: 1000 })).toEqual(fresh);

    // The observer follows alice's moves.
    const [mover] = fresh.current[0] === a.playerId ? [a] : [b];
    await mover.move({ position: 4 });
    const seen = await observer.state({ timeoutMs: 1000 });
    expect(seen.board).toEqual([-1, -1, -1, -1, mover.playerId, -1, -1, -1, -1]);
  });

  it('plays three games in a row with restarts', async () => {
    const [a, b] = await pair(kind, `series-${kind}`);
    const [fa, fb] = await Promise.all([
      playTicTacToeSeries(a, 3, { restarter: true, pick: randomCells(3) }),
      playTicTacToeSeries(b, 3, { restarter: false, pick: randomCells(4) }),
    ]);
    expect(fa.map(finalTicTacToeProblem)).toEqual([null, null, null]);
    expect(fb.map((s) => s.board)).toEqual(fa.map((s) => s.board));
  });

  it('joins an auto session and learns its name', async () => {
    const a = client(kind, { game: 'Echo', players: 1 });
    const info = await a.join();
    expect(info.session).toMatch(/^auto-\d+$/);
    expect(a.session).toBe(info.session);
    await a.move({ msg: 'hi' });
    expect(await a.state({ timeoutMs: 1000 })).toMatchObject({ echo: 'hi', current: [0], gameover: false });
  });

  it('throws IllegalMoveError for moves the game refuses, GameServerError for the framework', async () => {
    const [mover, other] = await byTurn(...(await pair(kind, `illegal-${kind}`)));
    const cases: [object, string][] = [
      [{ position: 9 }, 'invalid position'],
      [{ position: '1' }, "type of argument 'position' must be int"],
      [{ position: 1.5 }, "type of argument 'position' must be int"],
      [{}, "keyword argument 'position' of type int missing"],
    ];
    for (const [move, value] of cases) {
      const error = await rejection(mover.move(move as { position: number }));
      expect(error).toBeInstanceOf(IllegalMoveError);
      expect(error).toMatchObject({ code: 'E_ILLEGAL_MOVE', value, message: `Illegal move: ${value}` });
    }
    await mover.move({ position: 0 });
    const occupied = await rejection(other.move({ position: 0 }));
    expect(occupied).toMatchObject({ name: 'IllegalMoveError', value: 'position already occupied' });
    const notYourTurn = await rejection(other.move({ position: 1 }).then(() => other.move({ position: 2 })));
    expect(notYourTurn).toBeInstanceOf(GameServerError);
    expect(notYourTurn).not.toBeInstanceOf(IllegalMoveError);
    expect(notYourTurn).toMatchObject({ code: 'E_SERVER', serverMessage: 'framework: not your turn' });
  });

  it('reports a session overwritten under a blocked state as SessionLostError', async () => {
    const [, waiting] = await byTurn(...(await pair(kind, `lost-${kind}`)));
    const blocked = rejection(waiting.state({ timeoutMs: 2000 }));
    await waitFor(() => server.framework.waitingCount === 1, 'the state to block');
    const newcomer = client(kind, { session: `lost-${kind}`, players: 2, name: 'carol' });
    const gaveUp = new AbortController();
    const joining = rejection(newcomer.join({ signal: gaveUp.signal }));
    const error = await blocked;
    expect(error).toBeInstanceOf(SessionLostError);
    expect(error).toMatchObject({ code: 'E_SESSION_LOST', serverMessage: 'framework: game session was overwritten' });
    // The newcomer waits in the new session for a second player; stop it.
    gaveUp.abort();
    expect(await joining).toBeInstanceOf(AbortError);
    await waitFor(() => server.framework.waitingCount === 0, 'the server to drop the aborted join');
  });

  it('aborts a blocked state with AbortError; the server drops the waiter, so the next change is not lost', async () => {
    const [mover, waiting] = await byTurn(...(await pair(kind, `abort-${kind}`)));
    const controller = new AbortController();
    const blocked = rejection(waiting.state({ signal: controller.signal }));
    await waitFor(() => server.framework.waitingCount === 1, 'the state to block');
    controller.abort();
    const error = await blocked;
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ code: 'E_ABORTED', name: 'AbortError' });
    expect(error.message).toBe(`Aborted while waiting for the state of player ${waiting.playerId} in TicTacToe session "abort-${kind}"`);
    await waitFor(() => server.framework.waitingCount === 0, 'the server to drop the aborted state');

    // Had the server kept the aborted waiter, it would have consumed this change and the next state would hang.
    await mover.move({ position: 8 });
    const next = await waiting.state({ timeoutMs: 1000 });
    expect((next.board as number[])[8]).toBe(mover.playerId);
    expect(next.current).toEqual([waiting.playerId]);
  });

  it('honours the client-wide signal, and refuses to send once it has fired', async () => {
    const controller = new AbortController();
    const [, waiting] = await byTurn(...(await pair(kind, `client-signal-${kind}`, { signal: controller.signal })));
    const blocked = rejection(waiting.state());
    await waitFor(() => server.framework.waitingCount === 1, 'the state to block');
    controller.abort(new Error('shutting down the agent'));
    expect(await blocked).toMatchObject({ code: 'E_ABORTED' });
    const before = await rejection(waiting.move({ position: 1 }));
    expect(before).toBeInstanceOf(AbortError);
    expect(before.message).toBe(`Aborted before sending the move of player ${waiting.playerId} in TicTacToe session "client-signal-${kind}"`);
    await waitFor(() => server.framework.waitingCount === 0, 'the server to drop the aborted state');
  });

  it('times out a join that waits for players, naming it', async () => {
    const error = await rejection(client(kind, { session: `never-full-${kind}`, players: 2, timeoutMs: 150 }).join());
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toMatch(new RegExp(`^Timed out after 150 ms waiting for the join of TicTacToe session "never-full-${kind}" \\(waiting for the session to fill\\)`));
    await waitFor(() => server.framework.waitingCount === 0, 'the server to drop the timed-out join');
  });

  it('times out a blocked state with TimeoutError naming what was pending; the server drops the waiter', async () => {
    const [, waiting] = await byTurn(...(await pair(kind, `timeout-${kind}`)));
    const started = Date.now();
    const error = await rejection(waiting.state({ timeoutMs: 150 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'E_TIMEOUT' });
    expect(error.message).toContain(`the state of player ${waiting.playerId} in TicTacToe session "timeout-${kind}"`);
    await waitFor(() => server.framework.waitingCount === 0, 'the server to drop the timed-out state');
  });
});

describe('GameClient options and usage errors', () => {
  it.each<[Partial<GameClientOptions>, string]>([
    [{ game: '' }, 'Expected game to be a non-empty string, got ""'],
    [{ game: undefined }, 'Expected game to be a non-empty string, got undefined'],
    [{ players: 0 }, 'Expected players to be a positive integer or null, got 0'],
    [{ players: -2 }, 'Expected players to be a positive integer or null, got -2'],
    [{ players: 1.5 }, 'Expected players to be a positive integer or null, got 1.5'],
    [{ players: NaN }, 'Expected players to be a positive integer or null, got NaN'],
    [{ session: '' }, 'Expected session to be a non-empty string, got ""'],
    [{ timeoutMs: 0 }, 'Expected timeoutMs to be a positive number of milliseconds (or Infinity), got 0'],
    [{ timeoutMs: NaN }, 'Expected timeoutMs to be a positive number of milliseconds (or Infinity), got NaN'],
    [{ stateTimeoutMs: -5 }, 'Expected stateTimeoutMs to be a positive number of milliseconds (or Infinity), got -5'],
    [{ port: 70_000 }, 'Expected port to be an integer from 1 to 65535, got 70000'],
    [{ port: 0 }, 'Expected port to be an integer from 1 to 65535, got 0'],
    [{ retries: -1 }, 'Expected retries to be a non-negative integer, got -1'],
    [{ nudge: [] as never }, 'Expected nudge to be a move object (e.g. {}) or null, got a list'],
    [{ nudge: 'x' as never }, 'Expected nudge to be a move object (e.g. {}) or null, got string "x"'],
    [{ tls: { caFile: '/nonexistent/ca.pem' } }, 'Could not read tls.caFile /nonexistent/ca.pem: '],
  ])('refuses %j', (options, message) => {
    let error: unknown;
    try {
      new GameClient({ game: 'TicTacToe', ...options } as GameClientOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: 'E_INVALID_OPTION' });
    expect((error as Error).message.startsWith(message)).toBe(true);
  });

  it('accepts Infinity timeouts and players: null', () => {
    expect(() => new GameClient({ game: 'Echo', timeoutMs: Infinity, stateTimeoutMs: Infinity, players: null })).not.toThrow();
  });

  it('refuses moves, states and restarts before join with ClientStateError', async () => {
    const c = new GameClient({ game: 'TicTacToe', server: server.framework });
    for (const [call, message] of [
      [() => c.move({ position: 0 }), 'Not joined yet: call join() before move()'],
      [() => c.restart(), 'Not joined yet: call join() before restart()'],
      [() => c.state(), 'Not joined yet: call join() or observe() before state()'],
    ] as const) {
      const error = await rejection(call());
      expect(error).toBeInstanceOf(ClientStateError);
      expect(error).toMatchObject({ code: 'E_CLIENT_STATE', message });
    }
    expect(() => c.playerId).toThrow(ClientStateError);
  });
});

describe('GameClient against a dead or late server', () => {
  it('gives up on a closed port with ConnectionRefusedError after the bounded retries', async () => {
    const dead = await freePort();
    const started = Date.now();
    const error = await rejection(new GameClient({ game: 'Echo', session: 'x', players: 1, port: dead }).join());
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(ConnectionRefusedError);
    expect(error).toMatchObject({ code: 'E_CONN_REFUSED' });
    expect(error.message).toBe(`Could not connect to 127.0.0.1:${dead} (connection refused; is the server running?)`);
    // 4 retries after 50, 100, 200 and 400 ms (each up to twice that, randomised).
    expect(elapsed).toBeGreaterThanOrEqual(740);
    expect(elapsed).toBeLessThan(3500);

    const once = Date.now();
    expect(await rejection(new GameClient({ game: 'Echo', session: 'x', players: 1, port: dead, retries: 0 }).join())).toBeInstanceOf(ConnectionRefusedError);
    expect(Date.now() - once).toBeLessThan(200);
  });

  it('reaches a server that starts listening during the retries', async () => {
    const late = await freePort();
    const started = Date.now();
    const joining = new GameClient({ game: 'Echo', session: 'late', players: 1, port: late }).join();
    await sleep(120);
    const lateServer = await GameServer.start({ port: late });
    try {
      const info = await joining;
      expect(info).toMatchObject({ playerId: 0, session: 'late' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(120);
      expect(lateServer.framework.sessionCount).toBe(1);
    } finally {
      await lateServer.close();
    }
  });
});

/** A fake game server: answers joins like a real one, and lets `behave` handle every other request. */
async function fakeServer(
  behave: (socket: net.Socket, request: Request, connection: number) => void,
): Promise<{ port: number; connections: () => number; requests: Buffer[]; close: () => Promise<void> }> {
  let connections = 0;
  const requests: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const fake = net.createServer((socket) => {
    const n = connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!buffer.subarray(-4).equals(Buffer.from('EOT\0', 'latin1'))) return;
      requests.push(buffer);
      const request = JSON.parse(buffer.subarray(0, -4).toString('utf8')) as Request;
      if (request.type === 'join') {
        socket.end(
          JSON.stringify({
            status: 'ok',
            data: { player_id: 0, key: 'k', session: request.session, request_size_max: 1_000_000 },
          }),
        );
      } else {
        behave(socket, request, n);
      }
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  return {
    port: (fake.address() as net.AddressInfo).port,
    connections: () => connections,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        fake.close(() => resolve());
      }),
  };
}

async function joinedFake(fake: { port: number }, options: Partial<GameClientOptions> = {}): Promise<GameClient> {
  const c = new GameClient({ game: 'TicTacToe', session: 's', players: 2, port: fake.port, timeoutMs: 1000, ...options });
  await c.join();
  return c;
}

describe('GameClient against a misbehaving server', () => {
  it('sends exactly the encoded request and reads the answer until the server closes', async () => {
    const fake = await fakeServer((socket) => {
      // The answer in three pieces, with pauses: only the close ends it.
      socket.write('{"status": "ok", ');
      setTimeout(() => socket.write('"data": {"board": [], "current": [0],'), 20);
      setTimeout(() => socket.end(' "gameover": false}}'), 40);
    });
    try {
      const c = await joinedFake(fake);
      expect(await c.state()).toEqual({ board: [], current: [0], gameover: false });
      expect(fake.requests[1]).toEqual(encodeRequest({ type: 'state', game: 'TicTacToe', session: 's', player_id: 0, key: 'k', observer: false }));
    } finally {
      await fake.close();
    }
  });

  it.each<[string, string | Buffer, RegExp]>([
    ['corrupt JSON', '{"status": "ok", "da', /^Response is not valid JSON: "\{\\"status\\": \\"ok\\", \\"da"$/],
    ['a list', '[1, 2]', /^Expected the response to be a JSON object, got a list$/],
    ['JSON without status', '{"data": null}', /^Expected status "ok", "error" or "illegalmove", got nothing$/],
    ['invalid UTF-8', Buffer.from([0xff, 0xfe, 0xfd]), /^Response of 3 bytes is not valid UTF-8$/],
  ])('turns %s into ProtocolError, without sending the move again', async (_, answer, message) => {
    const fake = await fakeServer((socket) => socket.end(answer));
    try {
      const c = await joinedFake(fake);
      const error = await rejection(c.move({ position: 0 }));
      expect(error).toBeInstanceOf(ProtocolError);
      expect(error).toMatchObject({ code: 'E_PROTOCOL' });
      expect(error.message).toMatch(message);
      expect(fake.connections()).toBe(2); // the join and one move
    } finally {
      await fake.close();
    }
  });

  it('reports a close without an answer to a move as ConnectionResetError, without a retry', async () => {
    const fake = await fakeServer((socket) => socket.end());
    try {
      const c = await joinedFake(fake);
      const error = await rejection(c.move({ position: 0 }));
      expect(error).toBeInstanceOf(ConnectionResetError);
      expect(error).toMatchObject({ code: 'E_CONN_RESET' });
      expect(error.message).toBe(`127.0.0.1:${fake.port} closed the connection without answering the move of player 0 in TicTacToe session "s"`);
      await sleep(150);
      expect(fake.connections()).toBe(2);
    } finally {
      await fake.close();
    }
  });

  it('never sends a move twice: a reset after the move was read is ConnectionResetError after one connection', async () => {
    const fake = await fakeServer((socket) => socket.resetAndDestroy());
    try {
      const c = await joinedFake(fake);
      const error = await rejection(c.move({ position: 4 }));
      expect(error).toBeInstanceOf(ConnectionResetError);
      expect(error.message).toContain('the move of player 0');
      await sleep(250); // longer than the first retry delays
      expect(fake.connections()).toBe(2);
      expect(fake.requests.filter((r) => r.includes('"type":"move"'))).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });

  it('sends a state again after a reset (it changes nothing on the server)', async () => {
    const fake = await fakeServer((socket, _request, connection) => {
      if (connection === 1) socket.resetAndDestroy();
      else socket.end('{"status": "ok", "data": {"current": [0], "gameover": false}}');
    });
    try {
      const c = await joinedFake(fake);
      expect(await c.state()).toEqual({ current: [0], gameover: false });
      expect(fake.connections()).toBe(3);
    } finally {
      await fake.close();
    }
  });

  it('gives up on a state after the bounded retries when every connection closes unanswered', async () => {
    const fake = await fakeServer((socket) => socket.end());
    try {
      const c = await joinedFake(fake, { timeoutMs: 5000 });
      const error = await rejection(c.state());
      expect(error).toBeInstanceOf(ConnectionResetError);
      expect(fake.connections()).toBe(1 + 5);
    } finally {
      await fake.close();
    }
  });

  it('takes an answer followed by a reset (not a FIN) as the answer', async () => {
    const fake = await fakeServer((socket) => {
      socket.write('{"status": "illegalmove", "message": "game: invalid position"}', () => {
        setTimeout(() => socket.resetAndDestroy(), 30);
      });
    });
    try {
      const c = await joinedFake(fake, { timeoutMs: 3000 });
      const started = Date.now();
      const error = await rejection(c.move({ position: 9 }));
      expect(error).toBeInstanceOf(IllegalMoveError);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await fake.close();
    }
  });

  it('reports the connection failure, not a timeout, when the retries run into the deadline', async () => {
    const fake = await fakeServer((socket) => socket.end());
    try {
      const c = await joinedFake(fake, { timeoutMs: 300 });
      const error = await rejection(c.state());
      expect(error).toBeInstanceOf(ConnectionResetError);
      expect(fake.connections()).toBeGreaterThanOrEqual(1 + 2);
      expect(fake.connections()).toBeLessThan(1 + 5);
    } finally {
      await fake.close();
    }
  });

  it('times out on a server that never answers, naming what was pending', async () => {
    const fake = await fakeServer(() => {});
    try {
      const c = await joinedFake(fake, { timeoutMs: 200 });
      const started = Date.now();
      const error = await rejection(c.move({ position: 3 }));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ code: 'E_TIMEOUT' });
      expect(error.message).toBe(`Timed out after 200 ms waiting for the move of player 0 in TicTacToe session "s" from 127.0.0.1:${fake.port}`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      await fake.close();
    }
  });

  it('refuses an oversized request before connecting', async () => {
    const fake = await fakeServer(() => {});
    try {
      const c = await joinedFake(fake);
      const error = await rejection(c.move({ position: 0, pad: 'x'.repeat(1_000_000) } as never));
      expect(error).toBeInstanceOf(RequestTooLargeError);
      expect(fake.connections()).toBe(1);
    } finally {
      await fake.close();
    }
  });

  it('refuses a response over the size limit', async () => {
    const fake = await fakeServer((socket) => socket.end(JSON.stringify({ status: 'ok', data: 'x'.repeat(500) })));
    try {
      const transport = new TcpTransport({ port: fake.port, responseSizeMax: 100 });
      const error = await rejection(transport.request({ type: 'move', game: 'TicTacToe', session: 's', player_id: 0, key: 'k', move: {} }, { timeoutMs: 1000 }));
      expect(error).toBeInstanceOf(ProtocolError);
      expect(error.message).toBe(`Response from 127.0.0.1:${fake.port} exceeds 100 bytes`);
    } finally {
      await fake.close();
    }
  });
});

describe('GameClient against a server with a smaller request limit', () => {
  it('gets the server\'s "request size exceeded" answer although the server stops reading', async () => {
    const small = await GameServer.start({ port: 0, requestSizeMax: 1000 });
    try {
      const c = new GameClient({ game: 'Chat', session: 'c', players: 1, port: small.address.port, timeoutMs: 3000 });
      expect((await c.join()).requestSizeMax).toBe(1000);
      const error = await rejection(c.move({ name: 'x'.repeat(400_000) }));
      expect(error).toBeInstanceOf(GameServerError);
      expect(error).toMatchObject({ serverMessage: 'server: request size exceeded by client' });
    } finally {
      await small.close();
    }
  });
});
