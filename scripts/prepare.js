#!/usr/bin/env node
// `npm run build`, and npm's `prepare` (run by npm ci, npm install and npm pack): compiles the package into dist/.
// On install a failed build only warns, since a checkout runs from its TypeScript sources through tsx anyway;
// on pack or publish it fails, so no tarball ships without its compiled code.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const strict = process.argv.includes('--strict') || ['pack', 'publish'].includes(process.env.npm_command ?? '');
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.warn('game-server-gym: typescript is not installed (dev dependencies left out?), dist/ not built');
  process.exit(strict ? 1 : 0);
}
// Files of deleted sources must not linger in the package.
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (result.status !== 0) {
  console.warn(`game-server-gym: the build of dist/ failed (${result.error?.message ?? `exit code ${result.status}`})`);
  process.exit(strict ? 1 : 0);
}
