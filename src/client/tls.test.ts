import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, ConnectionResetError, TimeoutError, TlsError } from '../core/errors.ts';
import { GameServer } from '../server/server.ts';
import { GameClient, type GameClientOptions } from './client.ts';
import { sleep } from '../core/sleep.ts';
import { rejection, waitFor } from '../testing/wait.ts';
import { finalTicTacToeProblem, playTicTacToeSeries, randomCells } from '../testing/faults.ts';

let dir: string;
let caFile: string;
let server: GameServer;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'game-gym-tls-'));
  caFile = join(dir, 'c.pem');
  const keyFile = join(dir, 'k.pem');
  // A self-signed certificate for localhost and 127.0.0.1, valid for a day.
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
      caFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  server = await GameServer.start({ port: 0, seed: 'tls-tests', tls: { cert: readFileSync(caFile), key: readFileSync(keyFile) } });
  port = server.address.port;
}, 20_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function playOver(session: string, options: Partial<GameClientOptions>): Promise<void> {
  const a = new GameClient({ game: 'TicTacToe', session, players: 2, port, ...options });
  const b = new GameClient({ game: 'TicTacToe', session, port, ...options });
  const joinA = a.join();
  await waitFor(() => server.framework.waitingCount > 0, 'the first join to wait');
  await b.join();
  await joinA;
  expect(a.transport.description).toBe(`tls://${options.host ?? '127.0.0.1'}:${port}`);
  const [fa, fb] = await Promise.all([playTicTacToeSeries(a, 2, { restarter: true, pick: randomCells(7) }), playTicTacToeSeries(b, 2, { restarter: false, pick: randomCells(8) })]);
  expect(fa.map(finalTicTacToeProblem)).toEqual([null, null]);
  expect(fb.map((s) => s.board)).toEqual(fa.map((s) => s.board));
}

describe('GameClient over TLS against the embedded server', () => {
  it('verifies the server against a CA file and plays (by IP address)', async () => {
    await playOver('tls-ca', { tls: { caFile } });
  });

  it('verifies the host name when connecting by name', async () => {
    await playOver('tls-ca-name', { host: 'localhost', tls: { caFile } });
  });

  it('plays without verifying (verify: false)', async () => {
    await playOver('tls-noverify', { tls: { verify: false } });
  });

  it('fails with TlsError (E_TLS) against the system store, at once and without retries', async () => {
    const sessions = server.framework.sessionCount;
    const started = Date.now();
    const error = await rejection(new GameClient({ game: 'Echo', session: 'e', players: 1, port, tls: true }).join());
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({ code: 'E_TLS', name: 'TlsError' });
    expect(error.message).toBe(
      `TLS handshake with 127.0.0.1:${port} failed: the server's certificate did not verify (DEPTH_ZERO_SELF_SIGNED_CERT); ` +
        'trust it with tls: { caFile } or skip the check with tls: { verify: false }',
    );
    expect(Date.now() - started).toBeLessThan(500);
    // Nothing was sent: no session was started.
    expect(server.framework.sessionCount).toBe(sessions);
  });

  it('fails with TlsError when the name does not match the certificate', async () => {
    const error = await rejection(new GameClient({ game: 'Echo', session: 'e', players: 1, port, tls: { caFile, servername: 'example.com' } }).join());
    expect(error).toBeInstanceOf(TlsError);
    expect(error.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('leaves no connection behind on the server after a failed verification', async () => {
    const connections = (): Promise<number> => new Promise<number>((resolve) => (server as unknown as { server: tls.Server }).server.getConnections((_, n) => resolve(n)));
    for (let i = 0; i < 3; i++) {
      await rejection(new GameClient({ game: 'Echo', session: 'e', players: 1, port, tls: true }).join());
    }
    // The server side of a reset connection goes away within moments (a FIN would leave it open for ever).
    const deadline = Date.now() + 1000;
    while ((await connections()) > 0 && Date.now() < deadline) await sleep(10);
    expect(await connections()).toBe(0);
  });

  it('aborts and times out a blocked state; the server drops the waiter (the TLS socket is reset, not left open)', async () => {
    const a = new GameClient({ game: 'TicTacToe', session: 'tls-abort', players: 2, port, tls: { caFile } });
    const b = new GameClient({ game: 'TicTacToe', session: 'tls-abort', port, tls: { caFile } });
    await Promise.all([a.join(), b.join()]);
    const [sa] = await Promise.all([a.state(), b.state()]);
    const [mover, waiting] = sa.current[0] === a.playerId ? [a, b] : [b, a];

    const controller = new AbortController();
    const aborted = rejection(waiting.state({ signal: controller.signal }));
    await waitFor(() => server.framework.waitingCount === 1, 'the state to block');
    controller.abort();
    expect(await aborted).toBeInstanceOf(AbortError);
    await waitFor(() => server.framework.waitingCount === 0, 'the server to drop the aborted state');

    const timedOut = await rejection(waiting.state({ timeoutMs: 100 }));
    expect(timedOut).toBeInstanceOf(TimeoutError);
    await waitFor(() => server.framework.waitingCount === 0, 'the server to drop the timed-out state');

    // The change is delivered to the next state, not to a forgotten one.
    await mover.move({ position: 0 });
    expect((await waiting.state({ timeoutMs: 1000 })).board).toEqual([mover.playerId, -1, -1, -1, -1, -1, -1, -1, -1]);
  });

  it('reports a plain client talking to the TLS server as a connection reset', async () => {
    const error = await rejection(new GameClient({ game: 'Echo', session: 'p', players: 1, port, timeoutMs: 2000 }).join());
    expect(error).toBeInstanceOf(ConnectionResetError);
  });
});

describe('a TLS client against a plain server', () => {
  it('times out, saying the handshake did not finish', async () => {
    const plain = await GameServer.start({ port: 0 });
    try {
      const error = await rejection(new GameClient({ game: 'Echo', session: 'p', players: 1, port: plain.address.port, tls: { verify: false }, timeoutMs: 200 }).join());
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error.message).toContain('the TLS handshake did not finish');
    } finally {
      await plain.close();
    }
  });
});

describe('the embedded TLS server (known server bug)', () => {
  it('closes a connection whose client gave up in the handshake with a plain close (FIN)', async () => {
    // Node's own client closes with a FIN when it rejects the certificate; the reference client does the same.
    const other = await GameServer.start({ port: 0, tls: { cert: readFileSync(caFile), key: readFileSync(join(dir, 'k.pem')) } });
    await new Promise<void>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: other.address.port });
      socket.on('error', () => resolve());
    });
    await sleep(50);
    const closed = await Promise.race([other.close().then(() => true), sleep(500).then(() => false)]);
    expect(closed).toBe(true);
  });
});
