import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GameClient } from '../client/client.ts';
import { playFirstFreeCells } from '../testing/faults.ts';
import { InProcessTransport } from '../client/in-process.ts';
import { RecordingTransport, RecordingWriter } from '../client/recording.ts';
import { parseRecording } from '../protocol/recording.ts';
import { TcpTransport } from '../client/tcp.ts';
import type { RequestOptions, Transport } from '../client/transport.ts';
import { GameServerError } from '../core/errors.ts';
import type { GameState, Request, Response } from '../protocol/messages.ts';
import type { GameFramework } from './framework.ts';
import { canonicalJson, REPLAY_UNMATCHED, ReplayServer, startReplayServer } from './replay.ts';
import { GameServer } from './server.ts';
import { send } from '../testing/server.ts';

/** Keeps what went through it, to compare a live run with its replay. */
class Collecting implements Transport {
  readonly description: string;
  readonly exchanges: { request: Request; response: Response }[] = [];
  constructor(private readonly inner: Transport) {
    this.description = inner.description;
  }
  async request(request: Request, options: RequestOptions): Promise<Response> {
    const sent = structuredClone(request);
    const response = await this.inner.request(request, options);
    this.exchanges.push({ request: sent, response });
    return response;
  }
}

const NAMES = ['alice', 'bob'];

let live: GameServer;
let dir: string;
let file: string;
let recorded: Collecting[];

beforeAll(async () => {
  live = await GameServer.start({ port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'game-gym-replay-'));
  file = join(dir, 'game.jsonl');
  const writer = new RecordingWriter(file);
  recorded = NAMES.map(() => new Collecting(new TcpTransport({ port: live.address.port })));
  const clients = NAMES.map(
    (name, i) =>
      new GameClient({
        game: 'TicTacToe',
        session: 'replayed',
        players: 2,
        name,
        transport: new RecordingTransport(recorded[i]!, writer),
      }),
  );
  await playFirstFreeCells(clients);
  await writer.close();
});

afterAll(async () => {
  await live.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ReplayServer', () => {
  it('answers the same client sequence over TCP with the recorded responses', async () => {
    const { server, replay } = await startReplayServer({ replay: file, port: 0 });
    try {
      const replayed = NAMES.map(() => new Collecting(new TcpTransport({ port: server.address.port })));
      const clients = NAMES.map((name, i) => new GameClient({ game: 'TicTacToe', session: 'replayed', players: 2, name, transport: replayed[i]! }));
      await playFirstFreeCells(clients);
      NAMES.forEach((_, i) => {
        // Same requests (with the keys the recording gave out) and the same answers, in the same order.
        expect(replayed[i]!.exchanges).toEqual(recorded[i]!.exchanges);
      });
      const total = recorded[0]!.exchanges.length + recorded[1]!.exchanges.length;
      expect(replay.stats).toEqual({ recorded: total, served: total, unmatched: 0, remaining: 0 });

      // An unexpected request: a move nobody made.
      const join = recorded[0]!.exchanges[0]!;
      const data = join.response.status === 'ok' ? (join.response.data as { player_id: number; key: string }) : undefined;
      const move = { type: 'move', game: 'TicTacToe', session: 'replayed', player_id: data?.player_id, key: data?.key, move: { position: 4 } };
      expect(await send(server.address.port, move)).toEqual(REPLAY_UNMATCHED);
      // A recorded request asked once more than recorded: no answer left for it.
      expect(await send(server.address.port, join.request)).toEqual(REPLAY_UNMATCHED);
      expect(replay.stats.unmatched).toBe(2);
      expect(replay.unmatchedRequests).toEqual([move, join.request]);

      const client = new GameClient({ game: 'TicTacToe', session: 'other', players: 2, port: server.address.port });
      const error = await client.join().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GameServerError);
      expect((error as GameServerError).serverMessage).toBe(REPLAY_UNMATCHED.status === 'error' ? REPLAY_UNMATCHED.message : '');
    } finally {
      await server.close();
    }
  });

  it("ignores key order, matches a player's requests in order, and answers long polls at once", async () => {
    const exchanges = parseRecording(readFileSync(file, 'utf8'));
    const replay = new ReplayServer(exchanges);
    const states = exchanges.filter((e) => e.request.type === 'state' && e.request.player_id === 0);
    expect(states.length).toBeGreaterThan(2);
    const request = states[0]!.request;
    // Same fields, reversed key order.
    const reversed = Object.fromEntries(Object.entries(request).reverse());
    expect(canonicalJson(reversed)).toBe(canonicalJson(request));
    for (const e of states) {
      const started = Date.now();
      const answer = await replay.handle(reversed);
      expect(Date.now() - started).toBeLessThan(50);
      expect(answer).toEqual('response' in e ? e.response : undefined);
    }
    expect(await replay.handle(reversed)).toEqual(REPLAY_UNMATCHED);
    expect(await replay.handle('not even an object')).toEqual(REPLAY_UNMATCHED);
    expect(replay.stats.unmatched).toBe(2);
  });

  it('serves in process too, and skips exchanges that ended in a client error', async () => {
    const ok: Response = { status: 'ok', data: { echo: 'hi', current: [0], gameover: false } };
    const request: Request = { type: 'state', game: 'Echo', session: 's', player_id: 0, key: 'k', observer: false };
    const replay = new ReplayServer([
      { t: 0, dt: 10_000, request, error: { code: 'E_TIMEOUT', message: 'Timed out' } },
      { t: 10_000, dt: 1, request, response: ok },
    ]);
    expect(replay.stats.recorded).toBe(1);
    expect(replay.games.names()).toEqual(['Echo']);
    const transport = new InProcessTransport(replay as unknown as GameFramework);
    expect(await transport.request(request, { timeoutMs: 1000 })).toEqual(ok);
    expect(await transport.request(request, { timeoutMs: 1000 })).toEqual(REPLAY_UNMATCHED);
  });
});
