// The built-in games register exactly as a plugin's games do; env.ts imports this so makeEnv knows them however it was imported.
import { chatSpec } from './chat.ts';
import { echoSpec } from './echo.ts';
import { register } from './registry.ts';
import { ticTacToeSpec } from './tictactoe.ts';
import { yahtzeeSpec } from './yahtzee.ts';

for (const spec of [ticTacToeSpec, yahtzeeSpec, echoSpec, chatSpec]) register(spec);

/** The game commands default to when none is named. */
export const DEFAULT_GAME = ticTacToeSpec.name;
