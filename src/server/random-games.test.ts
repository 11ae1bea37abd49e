import { describe, expect, it } from 'vitest';
import { GameFramework, type ServerEvent } from './framework.ts';
import { GameServer } from './server.ts';
import { waitFor } from '../testing/wait.ts';
import { playRandomSessions } from '../testing/server.ts';

/**
 * Deadlock-freedom under real play: pairs of GameClients play random
 * TicTacToe games in parallel sessions (seat 0 restarts, seat 1 waits for the
 * next game). Long polls are never re-sent, so a lost wakeup fails the run
 * with a TimeoutError instead of slowing it down.
 *
 * Over TCP this machine manages about 1,300 requests (connections) a second,
 * some 27 per game, so the default TCP run plays 1,000 games; set
 * TCP_GAMES=10000 for the full run (about 3 minutes here). The framework
 * itself plays the full 10,000 games in process.
 */
const SESSIONS = 16;
const TCP_GAMES = Number(process.env.TCP_GAMES ?? 1_000);

function sessionEnds(events: ServerEvent[]): Array<Extract<ServerEvent, { type: 'session-end' }>> {
  return events.filter((e): e is Extract<ServerEvent, { type: 'session-end' }> => e.type === 'session-end');
}

describe('random TicTacToe games', () => {
  it('plays 10,000 games in 16 parallel sessions in process without a deadlock', async () => {
    const events: ServerEvent[] = [];
    const framework = new GameFramework({ onEvent: (e) => e.type !== 'request' && events.push(e) });
    const result = await playRandomSessions({ framework, sessions: SESSIONS, gamesPerSession: 10_000 / SESSIONS, prefix: 'inproc' });
    expect(result.problems).toEqual([]);
    expect(result.games).toBe(10_000);
    expect(result.statePollTimeouts).toBe(0);
    expect(framework.waitingCount).toBe(0);
    expect(framework.sessionCount).toBe(SESSIONS);
    framework.close();
    // The server's own count agrees: every session played its share, and every move reached it.
    const ends = sessionEnds(events);
    expect(ends).toHaveLength(SESSIONS);
    for (const e of ends) expect(e.games).toBe(10_000 / SESSIONS);
    expect(ends.reduce((n, e) => n + e.moves, 0)).toBe(result.moves);
  }, 60_000);

  it(`plays ${TCP_GAMES} games in ${SESSIONS} parallel sessions over TCP without a deadlock`, async () => {
    const events: ServerEvent[] = [];
    const server = await GameServer.start({ port: 0, onEvent: (e) => e.type !== 'request' && events.push(e) });
    try {
      const perSession = Math.ceil(TCP_GAMES / SESSIONS);
      const t0 = Date.now();
      const result = await playRandomSessions({ port: server.address.port, sessions: SESSIONS, gamesPerSession: perSession, prefix: 'tcp' });
      const ms = Date.now() - t0;
      console.log(`${result.games} games (${result.moves} moves) over TCP in ${ms} ms`);
      expect(result.problems).toEqual([]);
      expect(result.games).toBe(perSession * SESSIONS);
      expect(result.statePollTimeouts).toBe(0);
      await waitFor(() => server.connectionCount === 0, 'connections closed');
      expect(server.framework.waitingCount).toBe(0);
      await server.close();
      const ends = sessionEnds(events);
      expect(ends).toHaveLength(SESSIONS);
      for (const e of ends) expect(e).toMatchObject({ reason: 'shutdown', games: perSession });
      expect(ends.reduce((n, e) => n + e.moves, 0)).toBe(result.moves);
    } finally {
      await server.close();
    }
  }, 300_000);
});
