import { readFileSync } from 'node:fs';
import { parseRecording, type RecordedExchange } from '../protocol/recording.ts';
import { GameGymError } from '../core/errors.ts';
import { REQUEST_SIZE_MAX } from '../protocol/framing.ts';
import type { Response } from '../protocol/messages.ts';
import type { HandleContext } from '../protocol/handler.ts';
import type { GameFramework } from './framework.ts';
import { GameServer, type GameServerOptions } from './server.ts';

/** What a replay server answers to a request it has no recorded answer for. */
export const REPLAY_UNMATCHED: Response = { status: 'error', message: 'replay: no recorded answer for this request' };

/** Options of `ReplayServer`. */
export interface ReplayOptions {
  /** Announced nowhere (a replay answers `join` as recorded) but enforced by the socket layer. Default 1,000,000. */
  requestSizeMax?: number;
  /** Called for every request: `response` is null when it was unmatched. */
  onRequest?: (request: unknown, response: Response | null) => void;
  /** How many unmatched requests `unmatchedRequests` keeps. Default 100. */
  keepUnmatched?: number;
}

interface Entry {
  canonical: string;
  response: Response;
  used: boolean;
}

/** Counters of a replay. */
export interface ReplayStats {
  /** Recorded exchanges that have an answer (exchanges that ended in a transport error are not replayable). */
  recorded: number;
  /** Requests answered from the recording. */
  served: number;
  /** Requests without a recorded answer (answered with `REPLAY_UNMATCHED`). */
  unmatched: number;
  /** Recorded answers not asked for yet. */
  remaining: number;
}

/**
 * Answers requests from a recording (see `RecordingTransport`) instead of
 * playing games: a server for regression tests of agents and adapters.
 *
 * Matching: each incoming request takes the first unused recorded exchange
 * whose request is deep-equal to it (key order ignored). Requests of a
 * player in a session (`move`, `state`, `restart`: same game, session,
 * player id, and observer flag) are matched in the order they were recorded
 * for that player; `join` and `observe` requests are matched in the order the
 * equal requests were recorded. So a client that sends the same requests as
 * the recorded one gets the same answers, whatever the interleaving of the
 * clients. Keys are part of the requests: a replayed client must use the keys
 * the recording's `join`s gave out, which it does when it takes them from the
 * replayed answers.
 *
 * Timing is not replayed: every request answers at once, `state` requests
 * that were long polls included (a replayed state can thus arrive before the
 * other player's replayed move). Recorded exchanges that ended in a client
 * error (timeout, abort, connection failure) have no answer and are skipped.
 * A request with no recorded answer gets `REPLAY_UNMATCHED` and is counted.
 *
 * It has the part of `GameFramework` that `GameServer` uses (`handle`,
 * `requestSizeMax`, `close`, `games.names()`), so `startReplayServer` serves
 * it over TCP or TLS; it can also back an `InProcessTransport` the same way.
 */
export class ReplayServer {
  readonly requestSizeMax: number;
  /** The games of the recording, for listings (`games.names()` as on `GameFramework`). */
  readonly games: { names(): string[] };
  readonly unmatchedRequests: unknown[] = [];
  private readonly streams = new Map<string, Entry[]>();
  /** Per stream: the index before which every entry is used. */
  private readonly cursors = new Map<string, number>();
  private readonly recorded: number;
  private served = 0;
  private unmatched = 0;
  private closed = false;
  private readonly onRequest: ReplayOptions['onRequest'];
  private readonly keepUnmatched: number;

  constructor(exchanges: readonly RecordedExchange[], options: ReplayOptions = {}) {
    this.requestSizeMax = options.requestSizeMax ?? REQUEST_SIZE_MAX;
    this.onRequest = options.onRequest;
    this.keepUnmatched = options.keepUnmatched ?? 100;
    const games = new Set<string>();
    let recorded = 0;
    for (const exchange of exchanges) {
      if (!('response' in exchange)) continue;
      recorded++;
      if (typeof exchange.request.game === 'string') games.add(exchange.request.game);
      const stream = streamOf(exchange.request);
      let entries = this.streams.get(stream);
      if (!entries) {
        entries = [];
        this.streams.set(stream, entries);
      }
      entries.push({ canonical: canonicalJson(exchange.request), response: exchange.response, used: false });
    }
    this.recorded = recorded;
    const names = [...games];
    this.games = { names: () => names };
  }

  /** Loads a recording file (JSON Lines, as `RecordingTransport` writes them). */
  static fromFile(file: string, options: ReplayOptions = {}): ReplayServer {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new GameGymError('E_RECORDING', `Could not read the recording ${file}: ${(error as Error).message}`, { cause: error });
    }
    return new ReplayServer(parseRecording(text, file), options);
  }

  /** Counters: served, unmatched, recorded, remaining. */
  get stats(): ReplayStats {
    return { recorded: this.recorded, served: this.served, unmatched: this.unmatched, remaining: this.recorded - this.served };
  }

  /** Answers a request from the recording (at once; `ctx` is not needed, nothing blocks). */
  handle(request: unknown, _ctx: HandleContext = {}): Promise<Response | null> {
    return Promise.resolve(this.answer(request));
  }

  /** `handle` without the promise. */
  answer(request: unknown): Response {
    if (this.closed) return { status: 'error', message: 'server: shutting down' };
    const entries = this.streams.get(streamOf(request));
    if (entries) {
      const canonical = canonicalJson(request);
      let cursor = this.cursors.get(streamOf(request)) ?? 0;
      for (let i = cursor; i < entries.length; i++) {
        const entry = entries[i] as Entry;
        if (entry.used || entry.canonical !== canonical) continue;
        entry.used = true;
        while (cursor < entries.length && (entries[cursor] as Entry).used) cursor++;
        this.cursors.set(streamOf(request), cursor);
        this.served++;
        this.onRequest?.(request, entry.response);
        // A copy: the caller (an in-process client) may keep and change what it gets.
        return structuredClone(entry.response);
      }
    }
    this.unmatched++;
    if (this.unmatchedRequests.length < this.keepUnmatched) this.unmatchedRequests.push(request);
    this.onRequest?.(request, null);
    return { ...REPLAY_UNMATCHED };
  }

  /** Later requests get `server: shutting down` (GameServer calls this on close). */
  close(): void {
    this.closed = true;
  }
}

/** Which recorded exchanges a request is matched in order with. */
function streamOf(request: unknown): string {
  if (request !== null && typeof request === 'object' && !Array.isArray(request)) {
    const r = request as Record<string, unknown>;
    if ((r.type === 'move' || r.type === 'state' || r.type === 'restart') && r.player_id !== undefined) {
      const reader = r.type === 'state' && r.observer === true ? 'observer' : 'player';
      return JSON.stringify(['player', r.game ?? null, r.session ?? null, r.player_id, reader]);
    }
  }
  return JSON.stringify(['request', canonicalJson(request)]);
}

/** JSON with object keys sorted, so that key order does not matter. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** Options of `startReplayServer`: a recording (file or server) and where to listen. */
export interface StartReplayOptions extends Pick<GameServerOptions, 'host' | 'port' | 'tls' | 'maxConnections' | 'connectionTimeoutMs'> {
  replay: ReplayServer | string;
  replayOptions?: ReplayOptions;
}

/** Serves a recording over TCP (or TLS) with the embedded server's socket layer. */
export async function startReplayServer(options: StartReplayOptions): Promise<{ server: GameServer; replay: ReplayServer }> {
  const replay = typeof options.replay === 'string' ? ReplayServer.fromFile(options.replay, options.replayOptions) : options.replay;
  const { replay: _replay, replayOptions: _options, ...listen } = options;
  // GameServer uses only handle, requestSizeMax and close of its framework, which a ReplayServer has.
  const server = await GameServer.start({ ...listen, framework: replay as unknown as GameFramework });
  return { server, replay };
}
