// Test support for the CLI tests: runs the real game-gym command line.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const cli = path.join(import.meta.dirname, '..', 'game-gym.js');

/** Runs `game-gym ...args` to its end (2 minutes at most), with `env` added to this process's environment. */
export function gameGym(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
