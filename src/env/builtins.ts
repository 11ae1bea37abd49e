// Registers the built-in adapters; env.ts imports this so makeEnv knows them however it was imported.
import { registerAdapter } from './adapter.ts';
import { rawAdapter } from './adapters/raw.ts';
import { TicTacToeAdapter } from './adapters/tictactoe.ts';
import { YahtzeeAdapter } from './adapters/yahtzee.ts';

registerAdapter('TicTacToe', () => new TicTacToeAdapter());
registerAdapter('Yahtzee', () => new YahtzeeAdapter());
registerAdapter('Echo', rawAdapter('Echo'));
registerAdapter('Chat', rawAdapter('Chat'));
