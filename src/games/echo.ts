import { rawAdapter } from '../env/adapters/raw.ts';
import { Echo } from '../server/games/echo.ts';
import type { GameSpec } from './registry.ts';

/** Echo, a reference test game: raw states and moves. */
export const echoSpec: GameSpec = {
  name: 'Echo',
  description: 'reference test game: echoes moves (raw states and moves)',
  rules: Echo,
  players: { default: 1, min: Echo.minPlayers, max: Echo.maxPlayers },
  adapter: rawAdapter('Echo'),
  results: 'score',
};
