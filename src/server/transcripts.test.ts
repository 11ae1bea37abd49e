import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicTacToe } from './games/tictactoe.ts';
import { SeededRng } from '../core/rng.ts';
import { GameServer } from './server.ts';
import { rawExchange } from '../testing/raw-exchange.ts';

interface Entry {
  scenario: string;
  seq: number;
  request: Record<string, unknown> & { raw_bytes?: string; raw_length?: number };
  response: Record<string, unknown> & { raw_bytes?: string };
  note?: string;
}

const transcriptPath = fileURLToPath(new URL('./fixtures/transcripts.json', import.meta.url));
const entries: Entry[] = JSON.parse(readFileSync(transcriptPath, 'utf8'));

// Requests the reference recording sent before an earlier-numbered one, or left blocked while later ones went out.
const SEND_BEFORE: Record<number, number> = { 49: 47, 71: 70, 74: 75, 76: 75 };
const LEFT_PENDING = new Set([48, 49, 71, 74, 75, 76]);

/** A seed under which the recorded TicTacToe session starts with player 0, then player 1 after the restart. */
function findSeed(session: string): string {
  for (let i = 0; ; i++) {
    const rng = new SeededRng(`${i}\u0000TicTacToe\u0000${session}`);
    const first = TicTacToe.create(2, rng).currentPlayers()[0];
    const second = TicTacToe.create(2, rng).currentPlayers()[0];
    if (first === 0 && second === 1) return String(i);
  }
}

function rawBytes(entry: Entry): Buffer {
  const raw = entry.request.raw_bytes as string;
  if (raw.endsWith('...')) {
    // Recorded truncated: rebuild a request of the recorded length.
    const prefix = Buffer.from(raw.slice(0, -3), 'latin1');
    const out = Buffer.alloc(entry.request.raw_length as number, 'x');
    prefix.copy(out);
    Buffer.from('"}EOT\0', 'latin1').copy(out, out.length - 6);
    return out;
  }
  return Buffer.from(raw, 'latin1');
}

describe('the embedded server answers every recorded exchange like the reference', () => {
  let server: GameServer;
  const keys = new Map<string, string>(); // "<keyN>" -> real key
  const tttSession = entries.find((e) => e.scenario === 'tictactoe' && e.request.type === 'join')!.request.session as string;

  beforeAll(async () => {
    server = await GameServer.start({ port: 0, seed: findSeed(tttSession) });
  });
  afterAll(() => server.close());

  function substitute(value: unknown): unknown {
    if (typeof value === 'string') {
      const m = /^<key\d+>$/.exec(value);
      return m ? (keys.get(value) ?? 'not-a-key-' + value.slice(1, -1)) : value;
    }
    if (Array.isArray(value)) return value.map(substitute);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
    return value;
  }

  /** Learns placeholder keys from the expected answer, and blanks what is random (dice and their sums). */
  function normalise(expected: Entry['response'], actual: Record<string, unknown>): [unknown, unknown] {
    const exp = structuredClone(expected) as Record<string, any>;
    const act = structuredClone(actual) as Record<string, any>;
    if (typeof exp.data?.key === 'string' && /^<key\d+>$/.test(exp.data.key) && typeof act.data?.key === 'string') {
      if (!keys.has(exp.data.key)) keys.set(exp.data.key, act.data.key);
      act.data.key = [...keys.entries()].find(([, v]) => v === act.data.key)?.[0] ?? act.data.key;
    }
    for (const obj of [exp, act]) {
      if (Array.isArray(obj.data?.dice)) {
        expect(obj.data.dice).toHaveLength(5);
        for (const d of obj.data.dice) expect(d).toBeGreaterThanOrEqual(1);
        obj.data.dice = 'dice';
      }
      if (typeof obj.data?.scorecard?.Chance === 'number') obj.data.scorecard.Chance = 'sum of dice';
    }
    return [JSON.stringify(exp), JSON.stringify(act)];
  }

  const scenarios = [...new Set(entries.map((e) => e.scenario))];
  for (const scenario of scenarios) {
    it(`scenario ${scenario}`, async () => {
      const list = entries.filter((e) => e.scenario === scenario);
      const order: Entry[] = [];
      for (const e of list) {
        for (const [seq, before] of Object.entries(SEND_BEFORE)) {
          if (before === e.seq) order.push(list.find((x) => x.seq === Number(seq))!);
        }
        if (!(e.seq in SEND_BEFORE)) order.push(e);
      }
      const pending: Array<Promise<void>> = [];
      for (const entry of order) {
        const run = async (): Promise<void> => {
          const isRaw = 'raw_bytes' in entry.request;
          const bytes = isRaw ? rawBytes(entry) : Buffer.from(JSON.stringify(substitute(entry.request)) + 'EOT\0');
          const answer = await rawExchange(server.address.port, bytes, { halfClose: entry.seq === 0, timeoutMs: 10_000 });
          if ('raw_bytes' in entry.response) {
            expect(answer.toString('latin1'), `seq ${entry.seq}`).toBe(entry.response.raw_bytes);
            return;
          }
          const [exp, act] = normalise(entry.response, JSON.parse(answer.toString('utf8')));
          expect(act, `seq ${entry.seq}: ${entry.note ?? ''}`).toBe(exp);
        };
        if (LEFT_PENDING.has(entry.seq)) {
          pending.push(run());
          await new Promise((r) => setTimeout(r, 50));
        } else {
          await run();
        }
      }
      await Promise.all(pending);
    });
  }
});
