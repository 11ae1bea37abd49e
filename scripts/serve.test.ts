import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../src/testing/wait.ts';
import { send } from '../src/testing/server.ts';

const CLI = fileURLToPath(new URL('./game-gym.js', import.meta.url));
const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

/** Starts the real `game-gym serve` on a free port; resolves with the port and the lines it printed so far (live). */
async function serve(args: string[] = []): Promise<{ port: number; lines: string[]; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => {
    const parts = (partial + c.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  await waitFor(() => lines.some((l) => l.includes('listening on')) || child.exitCode !== null, 'the server to listen', 25_000);
  const listening = lines.find((l) => l.includes('listening on'));
  if (!listening) throw new Error(`game-gym serve exited: ${stderr}`);
  return { port: Number(/:(\d+) /.exec(listening)?.[1]), lines, child };
}

describe('game-gym serve', () => {
  it('logs session names escaped and cut, so a name can neither forge log lines nor flood the log', async () => {
    const { port, lines } = await serve();
    const forged = 'x"\n2026-01-01T00:00:00.000Z session end Echo "admin" shutdown games=1 moves=0';
    expect((await send(port, { type: 'join', game: 'Echo', session: forged, players: 1, name: 'a' })).status).toBe('ok');
    expect((await send(port, { type: 'join', game: 'Echo', session: 'y'.repeat(900_000), players: 1, name: 'a' })).status).toBe('ok');
    await waitFor(() => lines.filter((l) => l.includes('session start')).length === 2, 'two session starts logged');
    expect(
      lines.filter((l) => /^\S+ session end/.test(l)),
      'a forged line',
    ).toEqual([]);
    const starts = lines.filter((l) => l.includes('session start'));
    expect(starts[0]).toContain('session start Echo "x\\"\\n2026-01-01T00:00:00.000Z session end');
    expect(starts[1]).toContain('...(900000 chars) players=1');
    expect(starts[1]!.length).toBeLessThan(200);
  }, 30_000);

  it('refuses invalid limits in one line', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--request-timeout', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.push(child);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).not.toBe(0);
    expect(
      stderr
        .trim()
        .split('\n')
        .filter((l) => l.trim() !== ''),
    ).toEqual(['game-gym serve: Expected --request-timeout to be a positive number of seconds, got 0']);
  }, 30_000);
});
