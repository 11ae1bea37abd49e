import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GameClient } from '../client/client.ts';
import { SessionLostError } from '../core/errors.ts';
import type { ServerEvent } from './framework.ts';
import { GameServer, type GameServerOptions } from './server.ts';
import { rawExchange } from '../testing/raw-exchange.ts';
import { sleep } from '../core/sleep.ts';
import { waitFor } from '../testing/wait.ts';
import { joinPair, send, track, type Answer } from '../testing/server.ts';

const servers: GameServer[] = [];

async function start(options: GameServerOptions = {}): Promise<{ server: GameServer; port: number; events: ServerEvent[] }> {
  const events: ServerEvent[] = [];
  // Session starts and ends only (not the per-request events).
  const onEvent = (e: ServerEvent): void => {
    if (e.type !== 'request') events.push(e);
  };
  const server = await GameServer.start({ port: 0, ...options, onEvent });
  servers.push(server);
  return { server, port: server.address.port, events };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Seat {
  player_id: number;
  key: string;
}

function creds(game: string, session: string, seat: Seat): { game: string; session: string; player_id: number; key: string } {
  return { game, session, player_id: seat.player_id, key: seat.key };
}

const EMPTY_BOARD = [-1, -1, -1, -1, -1, -1, -1, -1, -1];

describe('joining', () => {
  it('blocks every joiner until the last one arrives, then answers all with ids in join order', async () => {
    const { server, port } = await start();
    const fw = server.framework;
    const j0 = track(send(port, { type: 'join', game: 'Yahtzee', session: 'y', players: 3, name: 'a' }));
    await waitFor(() => fw.waitingCount === 1, 'first join waiting');
    const j1 = track(send(port, { type: 'join', game: 'Yahtzee', session: 'y', players: null, name: 'b' }));
    await waitFor(() => fw.waitingCount === 2, 'second join waiting');
    await sleep(100);
    expect(j0.settled).toBe(false);
    expect(j1.settled).toBe(false);
    expect(server.connectionCount).toBe(2);

    const r2 = await send(port, { type: 'join', game: 'Yahtzee', session: 'y', players: 5, name: 'c' });
    const [r0, r1] = await Promise.all([j0.promise, j1.promise]);
    expect([r0, r1, r2].map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect([r0, r1, r2].map((r) => r.data.player_id)).toEqual([0, 1, 2]);
    expect(new Set([r0, r1, r2].map((r) => r.data.key)).size).toBe(3);
    for (const r of [r0, r1, r2]) {
      expect(r.data.session).toBe('y');
      expect(r.data.request_size_max).toBe(1_000_000);
    }
    expect(fw.waitingCount).toBe(0);
    // players was ignored for the joiner of an open session: the session has 3 players, so a fourth is refused.
    expect(await send(port, { type: 'join', game: 'Yahtzee', session: 'y', players: null, name: 'd' })).toEqual({
      status: 'error',
      message: 'framework: game session already full',
    });
  });

  it('serves many clients of one session: every blocked reader gets the change', async () => {
    const { server, port } = await start();
    const n = 30;
    const clients = Array.from({ length: n }, () => new GameClient({ game: 'Chat', session: 'room', players: n, port }));
    const infos = await Promise.all(clients.map((c) => c.join()));
    expect(infos.map((i) => i.playerId).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    // The start set every reader's flag: the first read returns at once.
    for (const s of await Promise.all(clients.map((c) => c.state()))) expect(s.messages).toEqual([]);
    const blocked = clients.map((c) => track(c.state()));
    await waitFor(() => server.framework.waitingCount === n, `${n} blocked states`);
    await sleep(50);
    expect(blocked.some((b) => b.settled)).toBe(false);
    await clients[7]!.move({ name: 'seven', message: 'hello all' });
    const states = await Promise.all(blocked.map((b) => b.promise));
    for (const s of states) {
      expect(s.messages).toEqual([['seven', 'hello all']]);
      expect(s.current).toHaveLength(n);
      expect(s.gameover).toBe(false);
    }
    expect(server.framework.waitingCount).toBe(0);
  });

  it('auto-joins 200 concurrent TicTacToe clients into exactly 100 full sessions', async () => {
    const { server, port } = await start();
    // Auto sessions ignore names, so 200 joiners called the same do not collide.
    const answers = await Promise.all(Array.from({ length: 200 }, () => send(port, { type: 'join', game: 'TicTacToe', session: 'auto', players: 2, name: 'same' }, 30_000)));
    expect(answers.filter((a) => a.status !== 'ok')).toEqual([]);
    const bySession = new Map<string, Answer[]>();
    for (const a of answers) bySession.set(a.data.session, [...(bySession.get(a.data.session) ?? []), a]);
    expect(bySession.size).toBe(100);
    for (const [name, members] of bySession) {
      expect(name).toMatch(/^auto-\d+$/);
      expect(members.map((m) => m.data.player_id).sort()).toEqual([0, 1]);
    }
    expect(server.framework.sessionCount).toBe(100);
    expect(server.framework.waitingCount).toBe(0);
    // Every returned key works in its session.
    const states = await Promise.all(answers.map((a) => send(port, { type: 'state', ...creds('TicTacToe', a.data.session, a.data), observer: false })));
    for (const s of states) {
      expect(s.status).toBe('ok');
      expect(s.data.board).toEqual(EMPTY_BOARD);
    }
    await waitFor(() => server.connectionCount === 0, 'all connections closed');
  });

  it('times out a join that nobody completes and forgets the session', async () => {
    const { server, port, events } = await start({ joinTimeoutMs: 300 });
    const t0 = Date.now();
    const named = send(port, { type: 'join', game: 'TicTacToe', session: 'lonely', players: 2, name: '' });
    const auto = send(port, { type: 'join', game: 'Yahtzee', session: 'auto', players: 3, name: '' });
    const timeout = { status: 'error', message: 'framework: timeout while waiting for others to join' };
    expect(await named).toEqual(timeout);
    expect(await auto).toEqual(timeout);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(server.framework.sessionCount).toBe(0);
    expect(server.framework.waitingCount).toBe(0);
    expect(await send(port, { type: 'join', game: 'TicTacToe', session: 'lonely', players: null, name: '' })).toEqual({
      status: 'error',
      message: 'framework: no such game session; provide the number of players to start one',
    });
    // No session-start for sessions that never filled.
    expect(events).toEqual([]);
    // The timed-out auto session is no longer the open one: the next auto joiners form a new session.
    const pair = await Promise.all([
      send(port, { type: 'join', game: 'TicTacToe', session: 'auto', players: 2, name: '' }),
      send(port, { type: 'join', game: 'TicTacToe', session: 'auto', players: 2, name: '' }),
    ]);
    expect(pair.map((p) => p.data.player_id).sort()).toEqual([0, 1]);
    expect(pair[0]!.data.session).toBe(pair[1]!.data.session);
  });
});

describe('long-polled state with per-reader flags', () => {
  it('returns at once after your own move, and waits for the opponent after you read on their turn', async () => {
    const { server, port } = await start();
    const fw = server.framework;
    const [a, b] = await joinPair(port, 'TicTacToe', 'flags');
    const seats = [a.data as Seat, b.data as Seat];
    const state = (seat: Seat): Promise<Answer> => send(port, { type: 'state', ...creds('TicTacToe', 'flags', seat), observer: false });
    const move = (seat: Seat, position: unknown): Promise<Answer> => send(port, { type: 'move', ...creds('TicTacToe', 'flags', seat), move: { position } });

    // The game start set both flags.
    const first = await state(seats[0]!);
    expect((await state(seats[1]!)).data).toEqual(first.data);
    expect(first.data.board).toEqual(EMPTY_BOARD);
    const x = seats[first.data.current[0] as number]!;
    const y = seats[1 - x.player_id]!;

    // The opponent read while it is not its turn: its next state waits for the move.
    const waiting = track(state(y));
    await waitFor(() => fw.waitingCount === 1, 'y blocked');
    await sleep(100);
    expect(waiting.settled).toBe(false);
    expect(await move(x, 4)).toEqual({ status: 'ok', data: null });
    const woke = await waiting.promise;
    expect(woke.data.board[4]).toBe(x.player_id);
    expect(woke.data.current).toEqual([y.player_id]);

    // After its own move, the mover's state returns at once.
    const own = await state(x);
    expect(own.data).toEqual(woke.data);
    // Read again while it is y's turn: now x waits, until y moves.
    const xWaits = track(state(x));
    await waitFor(() => fw.waitingCount === 1, 'x blocked');
    await sleep(50);
    expect(xWaits.settled).toBe(false);
    // An illegal move is a change too (legal or not, any player's).
    expect(await move(y, 4)).toEqual({ status: 'illegalmove', message: 'game: position already occupied' });
    const afterIllegal = await xWaits.promise;
    expect(afterIllegal.data).toEqual(woke.data);
    // y's own (illegal) move set y's flag as well.
    expect((await state(y)).data).toEqual(woke.data);

    // A move out of turn is refused before the game sees it, and changes nothing.
    expect(await move(x, 0)).toEqual({ status: 'error', message: 'framework: not your turn' });
    const stillWaits = track(state(x));
    await waitFor(() => fw.waitingCount === 1, 'x blocked again');
    await sleep(50);
    expect(stillWaits.settled).toBe(false);
    await move(y, 0);
    expect((await stillWaits.promise).data.board[0]).toBe(y.player_id);
  });

  it('lets a second concurrent state of the same reader supersede the first', async () => {
    const { server, port } = await start();
    const fw = server.framework;
    const [a, b] = await joinPair(port, 'TicTacToe', 'twice', ['p', 'q']);
    const seats = [a.data as Seat, b.data as Seat];
    const state = (seat: Seat, observer = false): Promise<Answer> => send(port, { type: 'state', ...creds('TicTacToe', 'twice', seat), observer });
    const first = await state(seats[0]!);
    await state(seats[1]!);
    const x = seats[first.data.current[0] as number]!;
    const y = seats[1 - x.player_id]!;

    const poll1 = track(state(y));
    await waitFor(() => fw.waitingCount === 1, 'first poll waiting');
    // The observer of y is another reader: its poll supersedes nothing.
    const observed = (await send(port, { type: 'observe', game: 'TicTacToe', session: 'twice', name: y.player_id === 0 ? 'p' : 'q' })).data as Seat;
    expect(observed).toEqual({ player_id: y.player_id, key: y.key });
    expect((await state(observed, true)).data.board).toEqual(EMPTY_BOARD); // the observer's first read
    const obsPoll = track(state(observed, true));
    await waitFor(() => fw.waitingCount === 2, 'observer poll waiting');
    expect(poll1.settled).toBe(false);

    const poll2 = track(state(y));
    const superseded = await poll1.promise;
    expect(superseded.status).toBe('error');
    expect(superseded.message).toMatch(/^framework: /);
    await waitFor(() => fw.waitingCount === 2, 'second poll replaced the first');
    expect(poll2.settled).toBe(false);

    await send(port, { type: 'move', ...creds('TicTacToe', 'twice', x), move: { position: 8 } });
    const [second, obs] = await Promise.all([poll2.promise, obsPoll.promise]);
    expect(second.status).toBe('ok');
    expect(second.data.board[8]).toBe(x.player_id);
    expect(obs.data).toEqual(second.data);
    expect(fw.waitingCount).toBe(0);
  });
});

describe('restart', () => {
  it.each([0, 1])('from seat %i replays the old final state to the other player and all observers', async (restarterId) => {
    const { server, port } = await start();
    const fw = server.framework;
    const session = `restart-${restarterId}`;
    const [a, b] = await joinPair(port, 'TicTacToe', session, ['alice', 'bob']);
    const seats = [a.data as Seat, b.data as Seat];
    const observers = [
      (await send(port, { type: 'observe', game: 'TicTacToe', session, name: 'alice' })).data as Seat,
      (await send(port, { type: 'observe', game: 'TicTacToe', session, name: 'bob' })).data as Seat,
    ];
    expect(observers.map((o) => o.player_id)).toEqual([0, 1]);
    const state = (seat: Seat, observer = false): Promise<Answer> => send(port, { type: 'state', ...creds('TicTacToe', session, seat), observer });
    const readAll = (): Promise<Answer[]> => Promise.all([...seats.map((s) => state(s)), ...observers.map((o) => state(o, true))]);
    const move = (seat: Seat, position: number): Promise<Answer> => send(port, { type: 'move', ...creds('TicTacToe', session, seat), move: { position } });

    const initial = await readAll();
    const x = seats[initial[0]!.data.current[0] as number]!;
    const y = seats[1 - x.player_id]!;
    for (const [seat, pos] of [
      [x, 0],
      [y, 3],
      [x, 1],
      [y, 4],
      [x, 2],
    ] as const) {
      expect((await move(seat, pos)).status).toBe('ok');
    }
    const final = await readAll();
    for (const f of final) {
      expect(f.data.gameover).toBe(true);
      expect(f.data.winner).toBe(x.player_id);
      expect(f.data.current).toEqual([]);
    }
    expect(await move(y, 5)).toEqual({ status: 'error', message: 'framework: game has ended' });

    const restarter = seats[restarterId]!;
    const other = seats[1 - restarterId]!;
    // The other player and its observer are blocked (they saw the final state already).
    const otherBlocked = track(state(other));
    const otherObsBlocked = track(state(observers[other.player_id]!, true));
    await waitFor(() => fw.waitingCount === 2, 'two blocked readers');
    expect(await send(port, { type: 'restart', ...creds('TicTacToe', session, restarter) })).toEqual({ status: 'ok', data: null });

    // Blocked readers learn how the old game ended.
    for (const r of await Promise.all([otherBlocked.promise, otherObsBlocked.promise])) {
      expect(r.data).toEqual(final[0]!.data);
    }
    // The restarting player gets the new game at once.
    const fresh = await state(restarter);
    expect(fresh.data.board).toEqual(EMPTY_BOARD);
    expect(fresh.data.gameover).toBe(false);
    expect(fresh.data.current).toHaveLength(1);
    // The restarter's own observer (not blocked) first gets the old final state, then the new game.
    expect((await state(observers[restarterId]!, true)).data).toEqual(final[0]!.data);
    expect((await state(observers[restarterId]!, true)).data).toEqual(fresh.data);
    // The others get the new game next.
    expect((await state(other)).data).toEqual(fresh.data);
    expect((await state(observers[other.player_id]!, true)).data).toEqual(fresh.data);

    // A restart of an unfinished game: no replay, every reader's next state is the newest game.
    const mover = seats[fresh.data.current[0] as number]!;
    expect((await move(mover, 4)).status).toBe('ok');
    expect(await send(port, { type: 'restart', ...creds('TicTacToe', session, other) })).toEqual({ status: 'ok', data: null });
    const newest = await readAll();
    for (const r of newest) {
      expect(r.data.board).toEqual(EMPTY_BOARD);
      expect(r.data.gameover).toBe(false);
    }
    // ...and nothing else is pending for anyone: all four readers block until the next move.
    const more = [...seats.map((s) => track(state(s))), ...observers.map((o) => track(state(o, true)))];
    await waitFor(() => fw.waitingCount === 4, 'four blocked readers');
    await sleep(50);
    expect(more.some((m) => m.settled)).toBe(false);
    expect((await move(seats[newest[0]!.data.current[0] as number]!, 0)).status).toBe('ok');
    for (const m of await Promise.all(more.map((t) => t.promise))) {
      expect(m.data.board.filter((c: number) => c !== -1)).toHaveLength(1);
    }
  });
});

describe('observers', () => {
  it('see exactly what the observed player sees, as separate readers', async () => {
    const { server, port } = await start();
    const fw = server.framework;
    const [a, b] = await joinPair(port, 'Yahtzee', 'obs', ['ann', 'ben']);
    const seats = [a.data as Seat, b.data as Seat];
    const obs = [
      (await send(port, { type: 'observe', game: 'Yahtzee', session: 'obs', name: 'ann' })).data as Seat,
      (await send(port, { type: 'observe', game: 'Yahtzee', session: 'obs', name: 'ben' })).data as Seat,
    ];
    expect(obs).toEqual(seats.map((s) => ({ player_id: s.player_id, key: s.key })));
    const state = (seat: Seat, observer = false): Promise<Answer> => send(port, { type: 'state', ...creds('Yahtzee', 'obs', seat), observer });
    const move = (seat: Seat, m: object): Promise<Answer> => send(port, { type: 'move', ...creds('Yahtzee', 'obs', seat), move: m });
    const compare = async (): Promise<Answer[]> => {
      const [p0, p1, o0, o1] = await Promise.all([state(seats[0]!), state(seats[1]!), state(obs[0]!, true), state(obs[1]!, true)]);
      expect(o0!.data).toEqual(p0!.data);
      expect(o1!.data).toEqual(p1!.data);
      return [p0!, p1!];
    };
    await compare();
    expect((await move(seats[0]!, { name: 'ann' })).status).toBe('ok');
    expect((await move(seats[1]!, { name: 'ben' })).status).toBe('ok');
    const [p0] = await compare();
    const x = p0!.data.current[0] as number;
    expect((await move(seats[x]!, { score: 'cross out', category: 'Chance' })).status).toBe('ok');
    const [q0, q1] = await compare();
    const states = [q0!, q1!];
    // The scorecards differ per player, and each observer got its player's.
    expect(states[x]!.data.scorecard.Chance).toBe(0);
    expect(states[1 - x]!.data.scorecard.Chance).toBeNull();

    // An observer's read does not consume its player's change, and vice versa.
    await move(seats[1 - x]!, { roll_dice: [0] });
    expect((await state(obs[x]!, true)).status).toBe('ok');
    expect((await state(seats[x]!)).status).toBe('ok');
    const obsWaits = track(state(obs[x]!, true));
    await waitFor(() => fw.waitingCount === 1, 'observer blocked');
    await sleep(50);
    expect(obsWaits.settled).toBe(false);
    await move(seats[1 - x]!, { roll_dice: [1] });
    expect((await obsWaits.promise).data).toEqual((await state(seats[x]!)).data);
  });

  it('refuses observing auto sessions, unstarted sessions and unknown players', async () => {
    const { server, port } = await start();
    const observe = (session: string, name: string): Promise<Answer> => send(port, { type: 'observe', game: 'TicTacToe', session, name });
    expect(await observe('auto', 'x')).toEqual({ status: 'error', message: 'framework: observer mode not available for auto-join sessions' });
    expect(await observe('nothing-here', 'x')).toEqual({ status: 'error', message: 'framework: no such game session' });
    const pending = track(send(port, { type: 'join', game: 'TicTacToe', session: 'half', players: 2, name: 'solo' }));
    await waitFor(() => server.framework.waitingCount === 1, 'join waiting');
    expect(await observe('half', 'solo')).toEqual({ status: 'error', message: 'framework: game has not yet started' });
    await send(port, { type: 'join', game: 'TicTacToe', session: 'half', players: null, name: 'duo' });
    await pending.promise;
    expect(await observe('half', 'nobody')).toEqual({ status: 'error', message: 'framework: no such player' });
    expect(await observe('half', '')).toEqual({ status: 'error', message: 'framework: no such player' });
    expect((await observe('half', 'duo')).data.player_id).toBe(1);
  });
});

describe('session lifetime', () => {
  it('tells a client blocked on an overwritten session so, and gives the new session fresh keys', async () => {
    const { server, port, events } = await start();
    const fw = server.framework;
    const c0 = new GameClient({ game: 'TicTacToe', session: 'ow', players: 2, port });
    const c1 = new GameClient({ game: 'TicTacToe', session: 'ow', players: 2, port });
    await Promise.all([c0.join(), c1.join()]);
    const s = await c0.state();
    await c1.state();
    const waiter = s.current[0] === c0.playerId ? c1 : c0;
    await send(port, { type: 'state', game: 'TicTacToe', session: 'ow', player_id: waiter.playerId, key: keyOf(waiter), observer: true });
    const blocked = waiter.state().catch((e: unknown) => e);
    const rawBlocked = track(send(port, { type: 'state', game: 'TicTacToe', session: 'ow', player_id: waiter.playerId, key: keyOf(waiter), observer: true }));
    await waitFor(() => fw.waitingCount === 2, 'player and observer blocked');

    const n0 = track(send(port, { type: 'join', game: 'TicTacToe', session: 'ow', players: 2, name: '' }));
    const lost = await blocked;
    expect(lost).toBeInstanceOf(SessionLostError);
    expect((lost as SessionLostError).serverMessage).toBe('framework: game session was overwritten');
    expect(await rawBlocked.promise).toEqual({ status: 'error', message: 'framework: game session was overwritten' });
    await waitFor(() => fw.waitingCount === 1, 'the new join waits');
    expect(n0.settled).toBe(false);
    const n1 = await send(port, { type: 'join', game: 'TicTacToe', session: 'ow', players: null, name: '' });
    const n0a = await n0.promise;
    expect([n0a.data.player_id, n1.data.player_id]).toEqual([0, 1]);
    // The old keys are not valid in the new session.
    expect(await send(port, { type: 'state', game: 'TicTacToe', session: 'ow', player_id: c0.playerId, key: keyOf(c0), observer: false })).toEqual({
      status: 'error',
      message: 'framework: invalid key',
    });
    expect(events.filter((e) => e.type === 'session-end')).toEqual([{ type: 'session-end', game: 'TicTacToe', session: 'ow', reason: 'overwritten', games: 1, moves: 0 }]);
    expect(fw.sessionCount).toBe(1);
  });

  it('ends idle sessions on cleanUp and tells their blocked readers', async () => {
    const { server, port, events } = await start();
    const fw = server.framework;
    const [a, b] = await joinPair(port, 'TicTacToe', 'idle', ['a', 'b']);
    const seats = [a.data as Seat, b.data as Seat];
    const state = (seat: Seat, observer = false): Promise<Answer> => send(port, { type: 'state', ...creds('TicTacToe', 'idle', seat), observer });
    await state(seats[0]!);
    await state(seats[1]!);
    await state(seats[1]!, true);
    const blocked = [track(state(seats[0]!)), track(state(seats[1]!, true))];
    await waitFor(() => fw.waitingCount === 2, 'two blocked');
    fw.cleanUp(Date.now()); // not idle yet
    fw.cleanUp(Date.now() + 500_000);
    await sleep(50);
    expect(blocked.some((t) => t.settled)).toBe(false);
    expect(fw.sessionCount).toBe(1);

    fw.cleanUp(Date.now() + 2_000_000);
    for (const t of blocked) expect(await t.promise).toEqual({ status: 'error', message: 'framework: game session has timed out' });
    expect(fw.sessionCount).toBe(0);
    expect(fw.waitingCount).toBe(0);
    expect(await send(port, { type: 'move', ...creds('TicTacToe', 'idle', seats[0]!), move: { position: 0 } })).toEqual({
      status: 'error',
      message: 'framework: no such game session',
    });
    expect(events.at(-1)).toMatchObject({ type: 'session-end', session: 'idle', reason: 'timed-out' });
  });

  it('refuses sessions beyond maxSessions with a clear error', async () => {
    const { server, port } = await start({ maxSessions: 2 });
    const join = (session: string, players: number | null = 1): Promise<Answer> => send(port, { type: 'join', game: 'Echo', session, players, name: '' });
    expect((await join('e1')).status).toBe('ok');
    expect((await join('e2')).status).toBe('ok');
    expect(await join('e3')).toEqual({ status: 'error', message: 'server: too many game sessions (limit 2)' });
    expect(server.framework.sessionCount).toBe(2);
    // Overwriting a full session replaces it: allowed at the limit.
    expect((await join('e1')).status).toBe('ok');
    expect(server.framework.sessionCount).toBe(2);
    server.framework.cleanUp(Date.now() + 2_000_000);
    expect((await join('e3')).status).toBe('ok');
  });

  it('refuses blocked requests beyond maxWaiting with a clear error, and leaves no empty session behind', async () => {
    const { server, port } = await start({ maxWaiting: 2 });
    const fw = server.framework;
    const w1 = track(send(port, { type: 'join', game: 'TicTacToe', session: 'w1', players: 2, name: '' }));
    const w2 = track(send(port, { type: 'join', game: 'TicTacToe', session: 'w2', players: 2, name: '' }));
    await waitFor(() => fw.waitingCount === 2, 'two joins waiting');
    const refused = { status: 'error', message: 'server: too many waiting requests (limit 2)' };
    expect(await send(port, { type: 'join', game: 'TicTacToe', session: 'w3', players: 2, name: '' })).toEqual(refused);
    expect(await send(port, { type: 'join', game: 'TicTacToe', session: 'auto', players: 2, name: '' })).toEqual(refused);
    expect(fw.sessionCount).toBe(2);
    // A join that completes a session does not wait, so it is accepted.
    const w1b = await send(port, { type: 'join', game: 'TicTacToe', session: 'w1', players: null, name: '' });
    const w1a = await w1.promise;
    expect([w1a.data.player_id, w1b.data.player_id]).toEqual([0, 1]);
    expect(w2.settled).toBe(false);
    // Long polls count too: one more blocked state fits, the next is refused.
    const seatA = w1a.data as Seat;
    const seatB = w1b.data as Seat;
    const state = (seat: Seat): Promise<Answer> => send(port, { type: 'state', ...creds('TicTacToe', 'w1', seat), observer: false });
    const opening = (await state(seatA)).data;
    await state(seatB);
    const poll = track(state(seatA));
    await waitFor(() => fw.waitingCount === 2, 'join and state waiting');
    expect(await state(seatB)).toEqual(refused);
    // Overwriting would make the new starter wait: refused, and the running session is left alone.
    expect(await send(port, { type: 'join', game: 'TicTacToe', session: 'w1', players: 2, name: '' })).toEqual(refused);
    await sleep(20);
    expect(poll.settled).toBe(false);
    // A state with an unseen change does not wait, so it is answered even at the limit.
    const first = (await send(port, { type: 'state', ...creds('TicTacToe', 'w1', seatA), observer: true })).data;
    expect(first.board).toEqual(EMPTY_BOARD);
    const mover = opening.current[0] === seatA.player_id ? seatA : seatB;
    expect((await send(port, { type: 'move', ...creds('TicTacToe', 'w1', mover), move: { position: 0 } })).status).toBe('ok');
    expect((await poll.promise).data.board[0]).toBe(mover.player_id);
  });

  it('gives the same first players and dice for the same session names under the same seed', async () => {
    const record = async (seed: string): Promise<unknown[]> => {
      const { port } = await start({ seed });
      const out: unknown[] = [];
      for (let i = 0; i < 6; i++) {
        const session = `t${i}`;
        const [a, b] = await joinPair(port, 'TicTacToe', session);
        const s = await send(port, { type: 'state', ...creds('TicTacToe', session, a.data), observer: false });
        out.push(s.data.current);
        // The next game's first player too.
        await send(port, { type: 'restart', ...creds('TicTacToe', session, b.data) });
        out.push((await send(port, { type: 'state', ...creds('TicTacToe', session, b.data), observer: false })).data.current);
      }
      for (let i = 0; i < 3; i++) {
        const session = `y${i}`;
        const j = await send(port, { type: 'join', game: 'Yahtzee', session, players: 1, name: '' });
        const state = async (): Promise<unknown> => (await send(port, { type: 'state', ...creds('Yahtzee', session, j.data), observer: false })).data.dice;
        out.push(await state());
        await send(port, { type: 'move', ...creds('Yahtzee', session, j.data), move: { roll_dice: [0, 2, 4] } });
        out.push(await state());
      }
      return out;
    };
    const [first, second, other] = await Promise.all([record('fixed-seed'), record('fixed-seed'), record('another-seed')]);
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
    // Not a constant: the first players vary across sessions.
    expect(new Set(first.slice(0, 12).map((c) => JSON.stringify(c))).size).toBe(2);
  });
});

describe('graceful shutdown', () => {
  it('answers pending joins and states with "server: shutting down", closes idle connections, and resolves', async () => {
    const { server, port } = await start();
    const fw = server.framework;
    const [a] = await joinPair(port, 'TicTacToe', 'bye');
    await send(port, { type: 'state', ...creds('TicTacToe', 'bye', a.data), observer: false });
    const blockedState = track(send(port, { type: 'state', ...creds('TicTacToe', 'bye', a.data), observer: false }));
    const blockedJoin = track(send(port, { type: 'join', game: 'TicTacToe', session: 'alone', players: 2, name: '' }));
    const halfSent = rawExchange(port, Buffer.from('{"type": "st'), { timeoutMs: 5000 });
    await waitFor(() => fw.waitingCount === 2 && server.connectionCount === 3, 'two blocked requests and a partial one');

    const t0 = Date.now();
    await server.close();
    expect(Date.now() - t0).toBeLessThan(1500);
    const bye = { status: 'error', message: 'server: shutting down' };
    expect(await blockedState.promise).toEqual(bye);
    expect(await blockedJoin.promise).toEqual(bye);
    expect((await halfSent).length).toBe(0);
    expect(server.connectionCount).toBe(0);
    expect(fw.waitingCount).toBe(0);
    expect(await fw.handle({ type: 'join', game: 'Echo', session: 'e', players: 1, name: '' })).toEqual(bye);
    // Nobody listens any more.
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.on('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});

/** The key a GameClient joined with (it keeps it private; the tests need it for raw requests). */
function keyOf(client: GameClient): string {
  return (client as unknown as { secret: string }).secret;
}
