export type { Game, GameDefinition, Json, Rng } from './game.ts';
export { Chat, ChatGame } from './chat.ts';
export { Echo, EchoGame } from './echo.ts';
export { pyStrip } from './pystr.ts';
export { GameRegistry, defaultGames } from './registry.ts';
export { TicTacToe, TicTacToeGame } from './tictactoe.ts';
export { YAHTZEE_CATEGORIES, Yahtzee, YahtzeeGame, yahtzeeScore, yahtzeeTotal } from './yahtzee.ts';
export type { YahtzeeCategories, YahtzeeCategory } from './yahtzee.ts';
