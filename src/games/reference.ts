import { rawAdapter } from '../env/adapters/raw.ts';
import type { GameDefinition } from '../server/games/game.ts';
import type { GameSpec } from './registry.ts';

/** The spec of a reference test game: raw states and moves, one player unless asked, results as scores. */
export function referenceGameSpec(rules: GameDefinition, description: string): GameSpec {
  return {
    name: rules.name,
    description,
    rules,
    players: { default: 1, min: rules.minPlayers, max: rules.maxPlayers },
    adapter: rawAdapter(rules.name),
    results: 'score',
  };
}
