import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The repository must work as a user's clone has it: nothing beside it (no ../shared) to lean on.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHECKED = /\.(ts|js|mjs|cjs|json|sh)$/;
const QUOTED_CLIMB = /(['"`])((?:\.\.\/)+[^'"`\s]*)\1/g;
const SHELL_CLIMB = /(?:^|[\s=(:])((?:\.\.\/)+[^\s'"`;)]*)/gm;
const SIBLING = /\bshared\/(?:protocol|notes|hooks|PROTOCOL\.md)\b/;

function trackedFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  } catch {
    // Not a git checkout (an unpacked tarball): walk the tree instead.
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(path.join(root, dir))) {
        if (name === 'node_modules' || name === '.git') continue;
        const rel = path.join(dir, name);
        if (statSync(path.join(root, rel)).isDirectory()) walk(rel);
        else out.push(rel);
      }
    };
    walk('.');
    return out;
  }
}

/** The paths in `text` (the file `rel`) that point outside the repository, as `file:line: path`. */
function pathsOutside(rel: string, text: string): string[] {
  const shell = rel.endsWith('.sh') || rel === path.join('.ci', 'run');
  const found: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const candidates = [...line.matchAll(QUOTED_CLIMB)].map((m) => m[2] as string);
    if (shell) candidates.push(...[...line.matchAll(SHELL_CLIMB)].map((m) => m[1] as string));
    for (const p of candidates) {
      const resolved = path.resolve(root, path.dirname(rel), p);
      if (resolved !== root && !resolved.startsWith(root + path.sep)) found.push(`${rel}:${i + 1}: ${p}`);
    }
    if (SIBLING.test(line)) found.push(`${rel}:${i + 1}: ${line.trim()}`);
  });
  return found;
}

describe('the repository is self-contained', () => {
  it('finds a path that climbs out of the repository (the transcripts test used to)', () => {
    const old = "const p = fileURLToPath(new URL('../../../shared/protocol/transcripts.json', import.meta.url));";
    expect(pathsOutside('src/server/transcripts.test.ts', old)).toHaveLength(2);
    expect(pathsOutside('src/server/transcripts.test.ts', "import { x } from '../../src/a.ts';")).toEqual([]);
    expect(pathsOutside('.ci/run', 'cp ../../shared/x .')).toHaveLength(1);
  });

  it('no source, test, script or config file names a path outside the repository', () => {
    // This file is left out: its own examples above climb out on purpose.
    const self = path.relative(root, fileURLToPath(import.meta.url));
    const files = trackedFiles().filter((f) => (CHECKED.test(f) || f === path.join('.ci', 'run')) && f !== self);
    expect(files.length).toBeGreaterThan(50);
    const outside = files.flatMap((f) => pathsOutside(f, readFileSync(path.join(root, f), 'utf8')));
    expect(outside).toEqual([]);
  });
});
