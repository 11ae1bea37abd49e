import { Chat } from '../server/games/chat.ts';
import { referenceGameSpec } from './reference.ts';
import type { GameSpec } from './registry.ts';

/** Chat, a reference test game: raw states and moves. */
export const chatSpec: GameSpec = referenceGameSpec(Chat, 'reference test game: a chat room (raw states and moves)');
