import { rawAdapter } from '../env/adapters/raw.ts';
import { Chat } from '../server/games/chat.ts';
import type { GameSpec } from './registry.ts';

/** Chat, a reference test game: raw states and moves. */
export const chatSpec: GameSpec = {
  name: 'Chat',
  description: 'reference test game: a chat room (raw states and moves)',
  rules: Chat,
  players: { default: 1, min: Chat.minPlayers, max: Chat.maxPlayers },
  adapter: rawAdapter('Chat'),
  results: 'score',
};
