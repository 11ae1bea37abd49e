/**
 * Requests an attacker would send (issue 10): each must fail alone, never
 * take the process down or lock honest clients out. Real sockets, bounded loops.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { GameClient } from '../client/client.ts';
import { startChildServer, type ChildServer } from './child.ts';
import type { Game, GameDefinition } from './games/game.ts';
import { defaultGames } from './games/registry.ts';
import { GameServer, type GameServerOptions } from './server.ts';
import { sleep } from '../core/sleep.ts';
import { waitFor } from '../testing/wait.ts';
import { send } from '../testing/server.ts';

const servers: GameServer[] = [];
const children: ChildServer[] = [];

async function start(options: GameServerOptions = {}): Promise<{ server: GameServer; port: number }> {
  const server = await GameServer.start({ port: 0, ...options });
  servers.push(server);
  return { server, port: server.address.port };
}

afterEach(async () => {
  await Promise.all([...servers.splice(0).map((s) => s.close(200)), ...children.splice(0).map((c) => c.stop())]);
});

/** A raw connection that sends one request and is then closed (FIN) or reset by the test. */
function openRequest(port: number, request: object | string): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.write(typeof request === 'string' ? request : `${JSON.stringify(request)}EOT\0`, () => resolve(socket));
    });
    socket.on('error', () => {});
  });
}

const closed = (socket: net.Socket): Promise<void> => (socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve())));

describe('a request cannot crash the server', () => {
  it('refuses nesting deeper than the limit before parsing, so an Echo state of it cannot overflow the stack', async () => {
    const child = await startChildServer({ seed: 'deep' });
    children.push(child);
    const join = await send(child.port, { type: 'join', game: 'Echo', session: 'deep', players: 1, name: 'a' });
    const seat = { game: 'Echo', session: 'deep', player_id: 0, key: join.data.key };
    // About 5 KB: 2,500 nested arrays.
    const deep = JSON.parse('['.repeat(2500) + ']'.repeat(2500)) as unknown;
    expect(await send(child.port, { type: 'move', ...seat, move: { msg: deep } })).toEqual({
      status: 'error',
      message: 'framework: request nested too deeply (limit 256 levels)',
    });
    const shallow = JSON.parse('['.repeat(200) + ']'.repeat(200)) as unknown;
    expect((await send(child.port, { type: 'move', ...seat, move: { msg: shallow } })).status).toBe('ok');
    expect((await send(child.port, { type: 'state', ...seat, observer: false })).data.echo).toEqual(shallow);
    // Brackets inside strings are text, not nesting.
    expect((await send(child.port, { type: 'move', ...seat, move: { msg: '['.repeat(5000) } })).status).toBe('ok');
    expect(child.process.exitCode).toBeNull();
  }, 20_000);

  it('fails only the request whose game throws, in a direct answer and in a woken long poll', async () => {
    class Broken implements Game {
      moved = false;
      currentPlayers(): number[] {
        return [0];
      }
      move(): null {
        this.moved = true;
        return null;
      }
      gameOver(): boolean {
        return false;
      }
      state(): { [key: string]: never } {
        if (this.moved) throw new RangeError('Maximum call stack size exceeded');
        return {};
      }
    }
    const Brk: GameDefinition = { name: 'Broken', minPlayers: 1, maxPlayers: 1, create: () => new Broken() };
    const games = defaultGames();
    games.register(Brk);
    const { port } = await start({ games });
    const join = await send(port, { type: 'join', game: 'Broken', session: 's', players: 1, name: 'a' });
    const seat = { game: 'Broken', session: 's', player_id: 0, key: join.data.key };
    expect((await send(port, { type: 'state', ...seat, observer: false })).status).toBe('ok');
    const poll = send(port, { type: 'state', ...seat, observer: false });
    await sleep(50);
    expect(await send(port, { type: 'move', ...seat, move: {} })).toEqual({ status: 'ok', data: null });
    expect(await poll).toEqual({ status: 'error', message: 'framework: internal error' });
    expect((await send(port, { type: 'join', game: 'Echo', session: 'e', players: 1, name: 'a' })).status).toBe('ok');
  });

  it("refuses moves that would grow a session's state past its limit, until the game restarts", async () => {
    const child = await startChildServer({ maxSessionStateBytes: 2_500_000 });
    children.push(child);
    const join = await send(child.port, { type: 'join', game: 'Chat', session: 'big', players: 1, name: 'a' });
    const seat = { game: 'Chat', session: 'big', player_id: 0, key: join.data.key };
    expect((await send(child.port, { type: 'move', ...seat, move: { name: 'a' } })).status).toBe('ok');
    const text = 'x'.repeat(900_000);
    const answers: string[] = [];
    for (let i = 0; i < 4; i++) answers.push((await send(child.port, { type: 'move', ...seat, move: { message: text } })).status);
    expect(answers).toEqual(['ok', 'ok', 'error', 'error']);
    const refused = await send(child.port, { type: 'move', ...seat, move: { message: text } });
    expect(refused.message).toBe('server: game state too large (limit 2500000 bytes); restart the game');
    expect((await send(child.port, { type: 'state', ...seat, observer: false })).data.messages).toHaveLength(2);
    expect((await send(child.port, { type: 'restart', ...seat })).status).toBe('ok');
    expect((await send(child.port, { type: 'move', ...seat, move: { name: 'a' } })).status).toBe('ok');
    expect((await send(child.port, { type: 'move', ...seat, move: { message: text } })).status).toBe('ok');
    expect(child.process.exitCode).toBeNull();
  }, 20_000);
});

describe('clients that leave', () => {
  it('releases the connection and the waiter of a blocked join whose client closed (FIN)', async () => {
    const { server, port } = await start({ maxConnections: 40 });
    const sockets: net.Socket[] = [];
    for (let i = 0; i < 60; i++) {
      const socket = await openRequest(port, { type: 'join', game: 'TicTacToe', session: `fin-${i}`, players: 2, name: 'a' });
      socket.end();
      sockets.push(socket);
    }
    await Promise.all(sockets.map(closed));
    await waitFor(() => server.connectionCount === 0 && server.framework.waitingCount === 0, 'half-closed joins released', 3000);
    expect(server.framework.sessionCount).toBe(0);
    expect((await send(port, { type: 'join', game: 'Echo', session: 'after', players: 1, name: 'a' })).status).toBe('ok');
  });

  it('frees the seat of a joiner that reset before the session filled: auto pairs honest players together', async () => {
    const { server, port } = await start({ maxSessions: 5 });
    const ghost = await openRequest(port, { type: 'join', game: 'TicTacToe', session: 'auto', players: 2, name: '' });
    await waitFor(() => server.framework.waitingCount === 1, 'the ghost join blocks');
    ghost.resetAndDestroy();
    await waitFor(() => server.framework.waitingCount === 0, 'the ghost join dropped');
    expect(server.framework.sessionCount).toBe(0);

    const alice = new GameClient({ game: 'TicTacToe', session: 'auto', players: 2, name: 'alice', port });
    const bob = new GameClient({ game: 'TicTacToe', session: 'auto', players: 2, name: 'bob', port });
    const aliceJoined = alice.join();
    await waitFor(() => server.framework.waitingCount === 1, 'alice waits for a partner');
    await Promise.all([aliceJoined, bob.join()]);
    expect(alice.session).toBe(bob.session);
    expect([alice.playerId, bob.playerId]).toEqual([0, 1]);
    const state = await alice.state();
    const mover = state.current.includes(alice.playerId as number) ? alice : bob;
    await mover.move({ position: 4 });

    // Ghosts of named sessions do not hold sessions either.
    for (let i = 0; i < 20; i++) {
      const socket = await openRequest(port, { type: 'join', game: 'TicTacToe', session: `ghost-${i % 4}-${i}`, players: 2, name: 'g' });
      await waitFor(() => server.framework.waitingCount === 1, 'a ghost join blocks');
      socket.resetAndDestroy();
      await waitFor(() => server.framework.waitingCount === 0, 'a ghost join dropped');
    }
    expect(server.framework.sessionCount).toBe(1);
  });

  it('moves later joiners down a seat when an earlier one leaves, so ids stay 0..n-1', async () => {
    const { server, port } = await start();
    const join = (name: string): object => ({ type: 'join', game: 'Chat', session: 'four', players: 4, name });
    const a = send(port, join('a'));
    await waitFor(() => server.framework.waitingCount === 1, 'a waits');
    const ghost = await openRequest(port, join('ghost'));
    await waitFor(() => server.framework.waitingCount === 2, 'the ghost waits');
    const c = send(port, join('c'));
    await waitFor(() => server.framework.waitingCount === 3, 'c waits');
    ghost.resetAndDestroy();
    await waitFor(() => server.framework.waitingCount === 2, 'the ghost dropped');
    const d = send(port, join('d'));
    await waitFor(() => server.framework.waitingCount === 3, 'd waits');
    const e = await send(port, join('e'));
    expect([(await a).data.player_id, (await c).data.player_id, (await d).data.player_id, e.data.player_id]).toEqual([0, 1, 2, 3]);
    // The ghost's name and key are gone: observing by name finds the players who stayed.
    expect((await send(port, { type: 'observe', game: 'Chat', session: 'four', name: 'c' })).data.player_id).toBe(1);
    expect((await send(port, { type: 'observe', game: 'Chat', session: 'four', name: 'ghost' })).message).toBe('framework: no such player');
  });
});

describe('slow and half-made connections', () => {
  it('times out a request trickled a byte at a time, however short the silences', async () => {
    const { server, port } = await start({ requestTimeoutMs: 800, connectionTimeoutMs: 60_000 });
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    const text = '{"type": "join", "game": "Echo", "session": "slow", "players": 1, "name": "a"}';
    let i = 0;
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write(text[i++ % text.length] as string);
    }, 100);
    try {
      const started = Date.now();
      await Promise.race([closed(socket), sleep(3000)]);
      expect(socket.closed, 'the server closed the trickling connection').toBe(true);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(JSON.parse(Buffer.concat(received).toString())).toEqual({ status: 'error', message: 'server: request not complete within 800 ms' });
      await waitFor(() => server.connectionCount === 0, 'the server side closed', 1000);
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
  });

  it('counts TLS connections still in the handshake against the cap, and drops them after the handshake timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'game-gym-abuse-tls-'));
    try {
      const keyFile = join(dir, 'k.pem');
      const certFile = join(dir, 'c.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          keyFile,
          '-out',
          certFile,
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost,IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      const { port } = await start({ tls: { cert: readFileSync(certFile), key: readFileSync(keyFile) }, maxConnections: 10, handshakeTimeoutMs: 700 });
      const idle: net.Socket[] = [];
      for (let i = 0; i < 30; i++) {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.on('error', () => {});
        idle.push(socket);
      }
      await sleep(300);
      expect(idle.filter((s) => s.closed).length, 'connections beyond the cap closed at once').toBeGreaterThanOrEqual(20);
      await Promise.race([Promise.all(idle.map(closed)), sleep(3000)]);
      expect(idle.filter((s) => !s.closed).length, 'handshakes left open after the timeout').toBe(0);
      const client = new GameClient({ game: 'Echo', session: 'tls', players: 1, name: 'a', port, tls: { verify: false } });
      await client.join();
      expect(client.playerId).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});

describe('resource limits', () => {
  it('lowers the connection cap to the open-file limit, so clients past it get the documented error, not a reset', async () => {
    const entry = fileURLToPath(new URL('./child-main.ts', import.meta.url));
    // The child runs under `ulimit -n 200`; it asks for the default cap of 4096 connections.
    const proc = spawn('/bin/sh', ['-c', `ulimit -n 200 && exec "$0" --import "$1" "$2" '{"port":0}'`, process.execPath, import.meta.resolve('tsx/esm'), entry], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    children.push({ host: '127.0.0.1', port: 0, process: proc, stop: async () => void (proc.kill('SIGKILL'), await exited) });
    const child = {
      process: proc,
      port: await new Promise<number>((resolve, reject) => {
        let out = '';
        proc.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0] as string) as { port: number }).port);
        });
        proc.once('exit', () => reject(new Error('the child server exited before listening')));
      }),
    };
    const held: net.Socket[] = [];
    try {
      for (let i = 0; i < 260; i++) {
        const socket = net.connect({ host: '127.0.0.1', port: child.port });
        socket.on('error', () => {});
        held.push(socket);
      }
      await sleep(1500);
      const answer = await send(child.port, { type: 'join', game: 'Echo', session: 'x', players: 1, name: 'a' }, 5000);
      expect(answer).toEqual({ status: 'error', message: 'server: too many connections' });
    } finally {
      for (const s of held) s.destroy();
    }
    await sleep(200);
    expect((await send(child.port, { type: 'join', game: 'Echo', session: 'x', players: 1, name: 'a' }, 5000)).status).toBe('ok');
    expect(child.process.exitCode).toBeNull();
  }, 20_000);
});
