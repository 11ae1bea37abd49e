import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { GameServer, type GameServerOptions } from './server.ts';
import { rawExchange } from '../testing/raw-exchange.ts';
import { sleep } from '../core/sleep.ts';
import { waitFor } from '../testing/wait.ts';
import { joinPair, playRandomSessions, send, track, type Answer } from '../testing/server.ts';

const servers: GameServer[] = [];

async function start(options: GameServerOptions = {}): Promise<{ server: GameServer; port: number }> {
  const server = await GameServer.start({ port: 0, ...options });
  servers.push(server);
  return { server, port: server.address.port };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const EOT = Buffer.from('EOT\0', 'latin1');

async function exchange(port: number, bytes: Buffer | string, options: { halfClose?: boolean; timeoutMs?: number } = {}): Promise<string> {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  return (await rawExchange(port, buf, { timeoutMs: 10_000, ...options })).toString('utf8');
}

function error(message: string): string {
  return JSON.stringify({ status: 'error', message })
    .replace(/,"message":/, ', "message": ')
    .replace(/:"error"/, ': "error"');
}

/** All open TCP connections of the listening socket, including ones the server refused but did not close. */
function openHandles(server: GameServer): Promise<number> {
  const listener = (server as unknown as { server: net.Server }).server;
  return new Promise((resolve, reject) => listener.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

/** A connection the test controls: write pieces, wait, reset. Collects what the server sends. */
class RawConnection {
  readonly socket: net.Socket;
  readonly received: Buffer[] = [];
  readonly closed: Promise<string>;
  readonly connected: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    this.socket.on('data', (c: Buffer) => this.received.push(c));
    this.socket.on('error', () => {});
    this.connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve(Buffer.concat(this.received).toString('utf8'))));
  }

  async write(bytes: Buffer | string): Promise<void> {
    await this.connected;
    await new Promise<void>((resolve, reject) => this.socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }
}

describe('malformed requests', () => {
  it('answers corrupt JSON, non-UTF-8 and non-object requests with the reference errors', async () => {
    const { server, port } = await start();
    const corrupt = error('server: corrupt json received from client');
    const binary = error('server: could not decode binary data received from client');
    expect(await exchange(port, '{"type": "join", EOT\0')).toBe(corrupt);
    expect(await exchange(port, 'EOT\0')).toBe(corrupt); // empty payload
    expect(await exchange(port, '{"type": "join"}}EOT\0')).toBe(corrupt);
    // A byte order mark is not JSON whitespace (Python: "Unexpected UTF-8 BOM").
    expect(await exchange(port, '\ufeff{"type": "dance"}EOT\0')).toBe(corrupt);
    expect(await exchange(port, Buffer.concat([Buffer.from([0xc3, 0x28]), EOT]))).toBe(binary); // bad continuation
    expect(await exchange(port, Buffer.concat([Buffer.from([0xed, 0xa0, 0x80]), EOT]))).toBe(binary); // encoded surrogate
    expect(await exchange(port, Buffer.concat([Buffer.from([0xc0, 0xaf]), EOT]))).toBe(binary); // overlong
    expect(await exchange(port, Buffer.concat([Buffer.from('{"type": "join", "name": "'), Buffer.from([0xff]), Buffer.from('"}'), EOT]))).toBe(binary);
    expect(await exchange(port, 'nullEOT\0')).toBe(error('framework: no request type specified'));
    expect(await exchange(port, '{"type": 5}EOT\0')).toBe(error('framework: invalid request type'));
    // Valid non-ASCII text passes, and is answered with Python's escapes.
    const answer = JSON.parse(await exchange(port, '{"type": "join", "game": "Echo", "session": "ü", "players": 1, "name": "ł"}EOT\0'));
    expect(answer.data.session).toBe('ü');
    expect(await exchange(port, '{"type": "move", "game": "Echo", "session": "ü", "player_id": 0, "key": 1, "move": {}}EOT\0')).toBe(
      error("framework: value of key 'key' must be of type <class 'str'>"),
    );
    await waitFor(() => server.connectionCount === 0, 'connections closed');
  });

  it('refuses requests over 1,000,000 bytes and accepts one of exactly 1,000,000 bytes', async () => {
    const { server, port } = await start();
    const request = (size: number): Buffer => {
      const head = '{"type": "join", "game": "Echo", "session": "big", "players": 1, "name": "", "pad": "';
      const tail = '"}EOT\0';
      return Buffer.from(head + 'x'.repeat(size - head.length - tail.length) + tail, 'latin1');
    };
    const exact = request(1_000_000);
    expect(exact.length).toBe(1_000_000);
    const ok = JSON.parse(await exchange(port, exact));
    expect(ok).toMatchObject({ status: 'ok', data: { player_id: 0, session: 'big', request_size_max: 1_000_000 } });

    const tooLarge = error('server: request size exceeded by client');
    const over = request(1_000_001);
    expect(over.length).toBe(1_000_001);
    expect(await exchange(port, over)).toBe(tooLarge);
    // The limit counts bytes as they come: no terminator is needed to exceed it.
    expect(await exchange(port, Buffer.alloc(1_500_000, 'x'))).toBe(tooLarge);
    await waitFor(() => server.connectionCount === 0, 'connections closed');
    expect(await openHandles(server)).toBe(0);
  });

  it('finds a terminator split across TCP writes', async () => {
    const { server, port } = await start();
    const pieces = async (parts: string[], gapMs = 15): Promise<string> => {
      const c = new RawConnection(port);
      for (const p of parts) {
        await c.write(p);
        await sleep(gapMs);
      }
      return c.closed;
    };
    const invalid = error('framework: invalid request type');
    expect(await pieces(['{"type": "dance"}EO', 'T\0'])).toBe(invalid);
    expect(await pieces(['{"type": "dance"}E', 'OT', '\0'])).toBe(invalid);
    expect(await pieces(['{"type": "dance"}', 'E', 'O', 'T', '\0'])).toBe(invalid);
    const join = '{"type": "join", "game": "Echo", "session": "split", "players": 1, "name": ""}EOT\0';
    const answer = JSON.parse(await pieces([...join], 3));
    expect(answer.status).toBe('ok');
    // Pieces that are not the terminator do not end the request.
    const waiting = new RawConnection(port);
    await waiting.write('{"type": "dance"}EOT');
    await sleep(50);
    await waiting.write('x');
    await sleep(50);
    expect(waiting.received).toHaveLength(0);
    await waiting.write('EOT\0');
    expect(await waiting.closed).toBe(error('server: corrupt json received from client'));
    await waitFor(() => server.connectionCount === 0, 'connections closed');
  });

  it('answers nothing to a client that half-closes before the terminator, and closes the connection', async () => {
    const { server, port } = await start();
    expect((await rawExchange(port, Buffer.from('{"type": "join"'), { halfClose: true })).length).toBe(0);
    expect((await rawExchange(port, Buffer.alloc(0), { halfClose: true })).length).toBe(0);
    expect((await rawExchange(port, Buffer.from('{"type": "dance"}EOT'), { halfClose: true })).length).toBe(0);
    await waitFor(() => server.connectionCount === 0, 'connections closed');
    expect(server.framework.waitingCount).toBe(0);
    // A half-close after a complete request still gets the answer (the reference client may shut down its side).
    expect(JSON.parse((await rawExchange(port, Buffer.from('{"type": "dance"}EOT\0'), { halfClose: true })).toString())).toEqual({
      status: 'error',
      message: 'framework: invalid request type',
    });
  });
});

describe('slow and idle connections', () => {
  it('times out silent connections, but not long polls or clients that keep sending', async () => {
    const { server, port } = await start({ connectionTimeoutMs: 300 });
    const timedOut = error('server: connection timed out on server');
    const t0 = Date.now();
    const silent = new RawConnection(port);
    const partial = new RawConnection(port);
    await partial.write('{"type": "jo');
    expect(await silent.closed).toBe(timedOut);
    expect(await partial.closed).toBe(timedOut);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);

    // The timeout is about silence: a client sending a byte every 100 ms is served.
    const trickle = new RawConnection(port);
    for (const ch of '{"type": "dance"}EOT\0') {
      await trickle.write(ch);
      await sleep(40);
    }
    expect(await trickle.closed).toBe(error('framework: invalid request type'));

    // A long poll is not a silent connection: it outlives the timeout and gets the change.
    const [a, b] = await joinPair(port, 'TicTacToe', 'slow');
    const state = (seat: Answer): Promise<Answer> =>
      send(port, { type: 'state', game: 'TicTacToe', session: 'slow', player_id: seat.data.player_id, key: seat.data.key, observer: false });
    const first = await state(a);
    await state(b);
    const mover = first.data.current[0] === 0 ? a : b;
    const waiter = mover === a ? b : a;
    const poll = track(state(waiter));
    await sleep(700);
    expect(poll.settled).toBe(false);
    await send(port, { type: 'move', game: 'TicTacToe', session: 'slow', player_id: mover.data.player_id, key: mover.data.key, move: { position: 2 } });
    expect((await poll.promise).data.board[2]).toBe(mover.data.player_id);
    await waitFor(() => server.connectionCount === 0, 'connections closed');
  });

  it('refuses connections beyond maxConnections, keeps serving the others, and closes the refused ones', async () => {
    const { server, port } = await start({ maxConnections: 10 });
    const fw = server.framework;
    const [a, b] = await joinPair(port, 'TicTacToe', 'busy');
    const state = (seat: Answer): Promise<Answer> =>
      send(port, { type: 'state', game: 'TicTacToe', session: 'busy', player_id: seat.data.player_id, key: seat.data.key, observer: false });
    const first = await state(a);
    await state(b);
    const mover = first.data.current[0] === 0 ? a : b;
    const waiter = mover === a ? b : a;
    const poll = track(state(waiter));
    await waitFor(() => fw.waitingCount === 1, 'long poll waiting');
    const holders = Array.from({ length: 9 }, () => new RawConnection(port));
    await Promise.all(holders.map((h) => h.write('{"type": ')));
    await waitFor(() => server.connectionCount === 10, 'ten connections');

    const flood = await Promise.all(Array.from({ length: 100 }, () => exchange(port, '{"type": "dance"}EOT\0')));
    expect(new Set(flood)).toEqual(new Set([error('server: too many connections')]));
    // The refused connections are really closed, not just uncounted.
    await waitFor(() => server.connectionCount === 10, 'still ten');
    const deadline = Date.now() + 3000;
    while ((await openHandles(server)) > 10 && Date.now() < deadline) await sleep(10);
    expect(await openHandles(server)).toBe(10);
    expect(poll.settled).toBe(false);

    // One slot frees up: the session goes on.
    holders[0]!.socket.destroy();
    await waitFor(() => server.connectionCount === 9, 'a free slot');
    const moved = await send(port, { type: 'move', game: 'TicTacToe', session: 'busy', player_id: mover.data.player_id, key: mover.data.key, move: { position: 6 } });
    expect(moved.status).toBe('ok');
    expect((await poll.promise).data.board[6]).toBe(mover.data.player_id);
    for (const h of holders) h.socket.destroy();
    await waitFor(() => server.connectionCount === 0, 'connections closed');
    expect(await openHandles(server)).toBe(0);
  });

  it('drops the waiter of a client that resets mid-long-poll, without consuming its change', async () => {
    const { server, port } = await start();
    const fw = server.framework;
    const [a, b] = await joinPair(port, 'TicTacToe', 'reset', ['a', 'b']);
    const stateBytes = (seat: Answer, observer = false): string =>
      JSON.stringify({ type: 'state', game: 'TicTacToe', session: 'reset', player_id: seat.data.player_id, key: seat.data.key, observer }) + 'EOT\0';
    const state = async (seat: Answer, observer = false): Promise<Answer> => JSON.parse(await exchange(port, stateBytes(seat, observer)));
    const first = await state(a);
    await state(b);
    await state(a, true);
    const mover = first.data.current[0] === 0 ? a : b;
    const waiter = mover === a ? b : a;

    const polls = [new RawConnection(port), new RawConnection(port)];
    await polls[0]!.write(stateBytes(waiter));
    await polls[1]!.write(stateBytes(a, true));
    const join = new RawConnection(port);
    await join.write('{"type": "join", "game": "TicTacToe", "session": "nobody-else", "players": 2, "name": ""}EOT\0');
    await waitFor(() => fw.waitingCount === 3, 'two polls and a join waiting');
    for (const p of [...polls, join]) p.socket.resetAndDestroy();
    await waitFor(() => fw.waitingCount === 0, 'waiters dropped');
    await waitFor(() => server.connectionCount === 0, 'connections closed');

    // The change after the reset is still there for the reader's next request.
    await send(port, { type: 'move', game: 'TicTacToe', session: 'reset', player_id: mover.data.player_id, key: mover.data.key, move: { position: 5 } });
    expect((await state(waiter)).data.board[5]).toBe(mover.data.player_id);
    expect((await state(a, true)).data.board[5]).toBe(mover.data.player_id);
  });
});

/** A real `gc` when the runtime lets us have one (it makes heap numbers meaningful), else nothing. */
function collector(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as (() => void) | undefined;
    if (typeof gc === 'function') return gc;
  } catch {
    // fall through
  }
  return () => {};
}

describe('resource use', () => {
  const BAD = Number(process.env.BAD_REQUESTS ?? 5_000);
  const GAMES = Number(process.env.MEMORY_GAMES ?? 200);

  it(`keeps no connections, waiters or heap after ${BAD} bad requests amid ${GAMES} games`, async () => {
    // Idle connections time out; long enough that a busy event loop does not time out real clients.
    const { server, port } = await start({ connectionTimeoutMs: 1000 });
    const fw = server.framework;
    const gc = collector();
    // Warm up the code paths before the baseline.
    await Promise.all(Array.from({ length: 200 }, () => exchange(port, 'garbageEOT\0')));
    await playRandomSessions({ port, sessions: 4, gamesPerSession: 5, prefix: 'warm' });
    gc();
    const before = process.memoryUsage().heapUsed;

    const [a] = await joinPair(port, 'Chat', 'victim');
    const pollBytes = JSON.stringify({ type: 'state', game: 'Chat', session: 'victim', player_id: 0, key: a.data.key, observer: false }) + 'EOT\0';
    await exchange(port, pollBytes); // clear the reader's flag: later polls block
    const kinds: Array<() => Promise<unknown>> = [
      () => exchange(port, '{"type": "join", "game": EOT\0'),
      () => exchange(port, Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), EOT])),
      () => exchange(port, '{"type": "fly"}EOT\0'),
      () => exchange(port, '{"type": "move", "game": "TicTacToe", "session": "none", "player_id": 0, "key": "k", "move": {}}EOT\0'),
      () => rawExchange(port, Buffer.from('{"type": "jo'), { halfClose: true }),
      async () => {
        // A client that connects and vanishes.
        const c = new RawConnection(port);
        await c.connected;
        c.socket.destroy();
        await c.closed;
      },
    ];
    let sent = 0;
    const flood = async (): Promise<void> => {
      while (sent < BAD - 300) {
        const kind = kinds[sent % kinds.length]!;
        sent++;
        await kind();
      }
    };
    const oversize = Promise.all(Array.from({ length: 10 }, () => exchange(port, Buffer.alloc(1_000_010, 'y'))));
    const idle = Array.from({ length: 20 }, () => new RawConnection(port));
    const [games] = await Promise.all([
      playRandomSessions({ port, sessions: 8, gamesPerSession: Math.ceil(GAMES / 8), prefix: 'mem' }),
      Promise.all(Array.from({ length: 16 }, flood)),
      oversize,
      Promise.all(idle.map((c) => c.closed)),
    ]);
    // Long polls whose clients reset, one at a time: a reset is only seen as one when the server has
    // read the request first (else the kernel reports the end of the stream, which looks like a half-close).
    const RESETS = 300;
    for (let i = 0; i < RESETS; i++) {
      const c = new RawConnection(port);
      await c.write(pollBytes);
      await waitFor(() => fw.waitingCount === 1, 'the poll waits');
      c.socket.resetAndDestroy();
      await waitFor(() => fw.waitingCount === 0, 'the poll is dropped');
      sent++;
    }
    expect(games.games).toBe(8 * Math.ceil(GAMES / 8));
    expect(games.problems).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(BAD);

    await waitFor(() => server.connectionCount === 0 && fw.waitingCount === 0, 'connections and waiters gone', 10_000);
    expect(await openHandles(server)).toBe(0);
    expect(fw.sessionCount).toBe(1 + 4 + 8); // victim, warm-up and game sessions
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    console.log(`heap growth after ${sent} bad requests and ${games.games} games: ${(growth / 1e6).toFixed(1)} MB`);
    expect(growth).toBeLessThan(50 * 1024 * 1024);
  }, 120_000);
});
