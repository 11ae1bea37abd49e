import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runProtocolBench } from './bench.ts';
import { runEnvBench } from './env-bench.ts';
import { measureTcpCeiling } from './tcp-ceiling.ts';

describe('bench', () => {
  it('protocol suite: plays real games and counts the requests behind each move', async () => {
    const [row] = await runProtocolBench({ transports: ['in-process'], sessions: [2], seconds: 0.3, warmupSeconds: 0.1, server: 'embedded', seed: 1 });
    expect(row?.moves).toBeGreaterThan(100);
    expect(row?.games).toBeGreaterThan(10);
    // A move costs the move and at least one state read by the player to move next. Over TCP the mover then
    // reads its own move back and long-polls for the reply (3.4 a move); in process the reply often comes
    // first, so that one read sees both and the long poll is saved.
    expect(row?.requestsPerMove).toBeGreaterThanOrEqual(2);
    expect(row?.requestsPerMove).toBeLessThan(4.5);
  });

  it('tcp-ceiling suite: measures a bare node:net server and the game server over real connections', { timeout: 30_000 }, async () => {
    const rows = await measureTcpCeiling({ seconds: 0.5, concurrency: 4 });
    expect(rows.map((r) => r.server)).toEqual(['plain node:net', 'game-gym']);
    for (const r of rows) {
      expect(r.requests).toBeGreaterThan(20);
      // seconds is rounded to 10 ms in the row
      expect(Math.abs(r.requestsPerSecond - r.requests / r.seconds)).toBeLessThan(0.03 * r.requestsPerSecond + 1);
    }
  });

  it("env suite: steps per second of wall and of this process's CPU time", { timeout: 30_000 }, async () => {
    const [row] = await runEnvBench({ transports: ['in-process'], envs: [4], seconds: 0.3, seed: 1 });
    expect(row?.steps).toBeGreaterThan(100);
    expect(row?.episodes).toBeGreaterThan(10);
    expect(row?.cpuSeconds).toBeGreaterThan(0);
    // Stepping in process uses this process's CPU: its time is at most every core of the machine per wall second.
    expect(row?.stepsPerCpuSecond).toBeGreaterThanOrEqual(row!.stepsPerSecond / (availableParallelism() + 1));
    expect(Math.abs(row!.stepsPerCpuSecond - row!.steps / row!.cpuSeconds)).toBeLessThan(0.03 * row!.stepsPerCpuSecond + 1);
  });

  it("env suite over TCP: the server in a child process, every seat's moves, and bare clients on the same games for the ratio", { timeout: 60_000 }, async () => {
    const [row] = await runEnvBench({ transports: ['tcp'], envs: [2], seconds: 1, warmupSeconds: 0.2, seed: 1 });
    expect(row?.transport).toBe('tcp');
    expect(row?.steps).toBeGreaterThan(5);
    // An env step holds the env's move and the bot's reply (none when the env's move ends the game); a bot
    // that starts a game makes one move more in it.
    const movesPerStep = row!.movesPerSecond / row!.stepsPerSecond;
    expect(movesPerStep).toBeGreaterThan(1);
    expect(movesPerStep).toBeLessThan(2 + row!.episodes / row!.steps + 0.1);
    expect(row?.bareMovesPerSecond).toBeGreaterThan(5);
    expect(row?.envVsBare).toBeCloseTo(row!.movesPerSecond / row!.bareMovesPerSecond!, 1);
    // By CPU time too (this process's: the server's child is in neither).
    expect(row?.bareMovesPerCpuSecond).toBeGreaterThan(0);
    expect(row?.envVsBareCpu).toBeCloseTo(row!.movesPerCpuSecond / row!.bareMovesPerCpuSecond!, 1);
    // A bare move is a move, the read of it and a long poll or two (joins and restarts besides).
    expect(row?.bareRequestsPerMove).toBeGreaterThan(2);
  });
});
