import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listGames } from './registry.ts';
import './builtins.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

// The files that belong to one built-in game: its spec, the rules it references, its adapter, and
// the bots module of the built-in games (Yahtzee also names a scoring category "Yahtzee").
const GAME_FILES = [
  'src/games/tictactoe.ts',
  'src/games/yahtzee.ts',
  'src/games/echo.ts',
  'src/games/chat.ts',
  'src/server/games/tictactoe.ts',
  'src/server/games/yahtzee.ts',
  'src/server/games/echo.ts',
  'src/server/games/chat.ts',
  // The server's own default (GameFramework without `games`) is the reference server's four games.
  'src/server/games/registry.ts',
  'src/env/adapters/tictactoe.ts',
  'src/env/adapters/yahtzee.ts',
  'src/env/bots.ts',
  // The exact Yahtzee solver and its optimal bot, which registers itself with its game (src/ cannot import agents/).
  'agents/yahtzee/optimal.ts',
  'agents/yahtzee/table.ts',
];
// The protocol and env benchmarks and the soak play the built-in games through raw requests or bare clients, below the env layer.
const BENCH_FILES = ['agents/bench/random-play.ts', 'agents/bench/tcp-ceiling.ts', 'agents/bench/soak.ts', 'agents/bench/env-bench.ts'];
// Test support is part of the tests.
const TEST_SUPPORT_FOLDERS = ['src/testing/', 'agents/testing/'];

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [rel] : [];
  });
}

describe('the game registry is the only place that knows the games', () => {
  it("no source file outside a game's own files names a game in code", () => {
    const names = listGames().map((g) => g.name);
    expect(names).toEqual(expect.arrayContaining(['TicTacToe', 'Yahtzee', 'Echo', 'Chat']));
    const allowed = new Set([...GAME_FILES, ...BENCH_FILES]);
    const pattern = new RegExp(`(['"\`])(${names.join('|')})\\1`);
    const offenders = ['src', 'agents', 'scripts']
      .flatMap(sources)
      .filter((file) => !allowed.has(file) && !TEST_SUPPORT_FOLDERS.some((folder) => file.startsWith(folder)))
      .flatMap((file) =>
        readFileSync(path.join(ROOT, file), 'utf8')
          .split('\n')
          // Comments may give examples; code may not branch on or default to a game.
          .filter((line) => !/^\s*(\/\/|\*|\/\*\*)/.test(line) && pattern.test(line))
          .map((line) => `${file}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });
});
