#!/usr/bin/env node
// Launcher of the CLI. In a checkout (TypeScript sources beside it) it runs them through tsx, so edits need no
// build step; in an installed package (sources not shipped) it runs the compiled JavaScript in dist/.
import { existsSync } from 'node:fs';

if (existsSync(new URL('./cli.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./cli.ts');
} else {
  await import('../dist/scripts/cli.js');
}
