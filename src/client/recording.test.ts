import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionRefusedError } from '../core/errors.ts';
import type { GameState } from '../protocol/messages.ts';
import { GameServer } from '../server/server.ts';
import { GameClient } from './client.ts';
import { playFirstFreeCells } from '../testing/faults.ts';
import { parseRecording } from '../protocol/recording.ts';
import { closeRecordings, RecordingTransport, RecordingWriter, recordingTransportFor } from './recording.ts';
import { TcpTransport } from './tcp.ts';

let server: GameServer;
let dir: string;

beforeAll(async () => {
  server = await GameServer.start({ port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'game-gym-recording-'));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('RecordingTransport', () => {
  it('records every exchange of a TicTacToe game over TCP as one JSON line', async () => {
    const file = join(dir, 'game.jsonl');
    const { port } = server.address;
    const writer = new RecordingWriter(file);
    const clients = ['alice', 'bob'].map(
      (name) =>
        new GameClient({
          game: 'TicTacToe',
          session: 'rec-1',
          players: 2,
          name,
          transport: new RecordingTransport(new TcpTransport({ port }), writer),
        }),
    );
    const seen = await playFirstFreeCells(clients);
    await writer.close();

    const exchanges = parseRecording(readFileSync(file, 'utf8'));
    const requests = clients.reduce((n, c) => n + c.stats.requests, 0);
    expect(exchanges).toHaveLength(requests);
    expect(writer.count).toBe(requests);
    let last = 0;
    for (const e of exchanges) {
      expect(e.t).toBeGreaterThanOrEqual(0);
      expect(e.dt).toBeGreaterThanOrEqual(0);
      expect('response' in e && e.response.status).toBe('ok');
      // Written in the order the answers came.
      expect(e.t + e.dt).toBeGreaterThanOrEqual(last - 0.01);
      last = e.t + e.dt;
    }
    const joins = exchanges.filter((e) => e.request.type === 'join');
    expect(joins.map((e) => e.request)).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'alice' }), expect.objectContaining({ name: 'bob' })]));
    // Keys are stored as they were sent.
    const moves = exchanges.filter((e) => e.request.type === 'move');
    expect(moves.length).toBeGreaterThanOrEqual(5);
    for (const m of moves) expect(m.request).toHaveProperty('key');
    const states = exchanges.filter((e) => e.request.type === 'state').map((e) => ('response' in e && e.response.status === 'ok' ? e.response.data : null));
    expect(states).toHaveLength(seen[0]!.length + seen[1]!.length);
    // Each line is the whole exchange: request keys as sent, response as answered.
    const firstMove = moves[0]!;
    expect(Object.keys(firstMove.request)).toEqual(['type', 'game', 'session', 'player_id', 'key', 'move']);
  });

  it('records transport errors with their code and rethrows them', async () => {
    const file = join(dir, 'refused.jsonl');
    // A port nothing listens on: take one from a server and close it.
    const probe = await GameServer.start({ port: 0 });
    const { port } = probe.address;
    await probe.close();
    const transport = new RecordingTransport(new TcpTransport({ port, retries: 0 }), file);
    const client = new GameClient({ game: 'TicTacToe', session: 'x', players: 2, transport });
    await expect(client.join()).rejects.toBeInstanceOf(ConnectionRefusedError);
    await transport.close();
    const [entry, ...rest] = parseRecording(readFileSync(file, 'utf8'));
    expect(rest).toHaveLength(0);
    expect(entry).toMatchObject({ request: { type: 'join', session: 'x' }, error: { code: 'E_CONN_REFUSED' } });
  });

  it('recordingTransportFor shares one file among the transports of a run', async () => {
    const file = join(dir, 'shared.jsonl');
    const { port } = server.address;
    const clients = ['a', 'b'].map((name) => new GameClient({ game: 'TicTacToe', session: 'rec-shared', players: 2, name, transport: recordingTransportFor(file, { port }) }));
    await playFirstFreeCells(clients);
    await closeRecordings(file);
    const exchanges = parseRecording(readFileSync(file, 'utf8'));
    expect(exchanges).toHaveLength(clients[0]!.stats.requests + clients[1]!.stats.requests);
  });

  it('flushes on its own after a short while, without close', async () => {
    const file = join(dir, 'timer.jsonl');
    const transport = new RecordingTransport(new TcpTransport({ port: server.address.port }), file, { flushMs: 10 });
    const client = new GameClient({ game: 'Echo', session: 'rec-echo', players: 1, transport });
    await client.join();
    await new Promise((r) => setTimeout(r, 100));
    expect(parseRecording(readFileSync(file, 'utf8'))).toHaveLength(1);
    await transport.close();
  });
});
