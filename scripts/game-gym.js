#!/usr/bin/env node
// Launcher for the TypeScript CLI: registers tsx so `game-gym` runs from any folder without a build step.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
