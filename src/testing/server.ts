/**
 * Shared helpers of the server's socket-level tests (concurrency, random
 * games, bad input): no mocks; requests go through `rawExchange` or a real
 * `GameClient` (over TCP, or in process where a test says so).
 */
import { GameClient } from '../client/client.ts';
import type { GameState } from '../protocol/messages.ts';
import type { GameFramework } from '../server/framework.ts';
import { sleep } from '../core/sleep.ts';
import { TICTACTOE_LINES } from '../server/games/tictactoe.ts';
import { rawExchange } from './raw-exchange.ts';

/** What the server answered (parsed), typed loosely for assertions. */
export interface Answer {
  status: string;
  data?: any;
  message?: any;
}

/** Sends one request object over a fresh TCP connection and parses the answer. */
export async function send(port: number, request: object, timeoutMs = 15_000): Promise<Answer> {
  const bytes = Buffer.from(JSON.stringify(request) + 'EOT\0', 'utf8');
  const answer = await rawExchange(port, bytes, { timeoutMs });
  return JSON.parse(answer.toString('utf8')) as Answer;
}

/** A promise whose settlement can be checked synchronously. */
export interface Tracked<T> {
  promise: Promise<T>;
  readonly settled: boolean;
}

export function track<T>(promise: Promise<T>): Tracked<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return {
    promise,
    get settled() {
      return settled;
    },
  };
}

/**
 * Why a final TicTacToe state is inconsistent, or null when it is fine: the
 * winner owns a line (and nobody else does), or the board is full without a
 * winner; the marks alternate (counts differ by at most one).
 */
export function finalBoardProblem(state: { board?: unknown; winner?: unknown }): string | null {
  const board = state.board;
  if (!Array.isArray(board) || board.length !== 9 || !board.every((c) => c === -1 || c === 0 || c === 1)) {
    return `bad board ${JSON.stringify(board)}`;
  }
  const b = board as number[];
  const owners = new Set(TICTACTOE_LINES.filter(([i, j, k]) => b[i] !== -1 && b[i] === b[j] && b[j] === b[k]).map(([i]) => b[i]));
  const zeros = b.filter((c) => c === 0).length;
  const ones = b.filter((c) => c === 1).length;
  if (Math.abs(zeros - ones) > 1) return `marks do not alternate: ${JSON.stringify(b)}`;
  if (state.winner === null) {
    if (b.includes(-1)) return `no winner but the board is not full: ${JSON.stringify(b)}`;
    if (owners.size > 0) return `a line but no winner: ${JSON.stringify(b)}`;
    return null;
  }
  if (state.winner !== 0 && state.winner !== 1) return `bad winner ${JSON.stringify(state.winner)}`;
  if (!owners.has(state.winner) || owners.size !== 1) return `winner ${state.winner} without (only) its line: ${JSON.stringify(b)}`;
  // The winner made the last move, so it has as many marks as the other player or one more.
  const mine = state.winner === 0 ? zeros : ones;
  const theirs = state.winner === 0 ? ones : zeros;
  if (mine !== theirs && mine !== theirs + 1) return `winner did not move last: ${JSON.stringify(b)}`;
  return null;
}

function randomFree(board: number[]): number {
  const free = board.flatMap((c, i) => (c === -1 ? [i] : []));
  const pos = free[Math.floor(Math.random() * free.length)];
  if (pos === undefined) throw new Error(`no free cell on ${JSON.stringify(board)}`);
  return pos;
}

/** What `playRandomSessions` reports. */
export interface RandomPlayResult {
  games: number;
  problems: string[];
  statePollTimeouts: number;
  moves: number;
}

/**
 * Plays `gamesPerSession` random TicTacToe games in each of `sessions`
 * parallel sessions, two `GameClient`s each (over TCP, or in process when
 * given a framework). Seat 0 restarts after
 * every finished game; seat 1 just keeps reading until it sees a new game,
 * and stops after the last game's final state, so no request is left behind.
 * Long polls are not re-sent (stateTimeoutMs = timeoutMs), so a lost wakeup
 * shows as a `TimeoutError`, not as a slow run.
 */
export async function playRandomSessions(options: {
  /** Play over TCP to this port... */
  port?: number;
  /** ...or in process against this framework. */
  framework?: GameFramework;
  sessions: number;
  gamesPerSession: number;
  prefix: string;
  timeoutMs?: number;
}): Promise<RandomPlayResult> {
  const result: RandomPlayResult = { games: 0, problems: [], statePollTimeouts: 0, moves: 0 };
  const timeoutMs = options.timeoutMs ?? 20_000;
  const runSession = async (index: number): Promise<void> => {
    const session = `${options.prefix}-${index}`;
    const where = options.framework ? { server: options.framework } : { port: options.port };
    const common = { game: 'TicTacToe', session, players: 2, ...where, timeoutMs, stateTimeoutMs: timeoutMs };
    const restarter = new GameClient({ ...common, name: 'r' });
    const follower = new GameClient({ ...common, players: null, name: 'f' });
    const first = restarter.join();
    // The first join starts the session; the second may only come once it exists.
    let joined = false;
    for (let attempt = 0; !joined; attempt++) {
      try {
        await follower.join();
        joined = true;
      } catch (error) {
        if (attempt > 100) throw error;
        await sleep(5);
      }
    }
    await first;
    if (restarter.playerId !== 0 || follower.playerId !== 1) result.problems.push(`${session}: unexpected ids`);

    const play = async (client: GameClient, isRestarter: boolean): Promise<void> => {
      const me = client.playerId;
      let games = 0; // finished games: the restarter counts its restarts, the follower the new games it sees
      let lastOver = false;
      for (;;) {
        const state = (await client.state()) as GameState & { board: number[]; winner: number | null };
        if (state.gameover) {
          lastOver = true;
          const problem = finalBoardProblem(state);
          if (problem) result.problems.push(`${session} game ${games}: ${problem}`);
          if (state.current.length !== 0) result.problems.push(`${session}: current not empty once over`);
          if (!isRestarter) {
            // The last game is over: nobody will restart. Otherwise wait for a state with gameover false.
            if (games === options.gamesPerSession - 1) return;
            continue;
          }
          games++;
          result.games++;
          if (games === options.gamesPerSession) return;
          await client.restart();
          continue;
        }
        if (lastOver && !isRestarter) games++;
        lastOver = false;
        if (state.current.includes(me)) {
          await client.move({ position: randomFree(state.board) });
          result.moves++;
        }
      }
    };
    await Promise.all([play(restarter, true), play(follower, false)]);
    result.statePollTimeouts += restarter.stats.statePollTimeouts + follower.stats.statePollTimeouts;
  };
  await Promise.all(Array.from({ length: options.sessions }, (_, i) => runSession(i)));
  return result;
}

/**
 * Starts a two-player session of `game` by raw requests and resolves to both
 * joins (ids 0 and 1). The second join repeats until the first has created the session.
 */
export async function joinPair(port: number, game: string, session: string, names: [string, string] = ['', '']): Promise<[Answer, Answer]> {
  const a = send(port, { type: 'join', game, session, players: 2, name: names[0] });
  for (let attempt = 0; ; attempt++) {
    const b = await send(port, { type: 'join', game, session, players: null, name: names[1] });
    if (b.status === 'ok' || attempt > 200 || !String(b.message).includes('no such game session')) return [await a, b];
    await sleep(5);
  }
}
