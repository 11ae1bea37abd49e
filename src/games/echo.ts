import { Echo } from '../server/games/echo.ts';
import { referenceGameSpec } from './reference.ts';
import type { GameSpec } from './registry.ts';

/** Echo, a reference test game: raw states and moves. */
export const echoSpec: GameSpec = referenceGameSpec(Echo, 'reference test game: echoes moves (raw states and moves)');
