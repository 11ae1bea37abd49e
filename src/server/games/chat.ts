import type { Game, GameDefinition, Json, Rng } from './game.ts';
import { pyStrip } from './pystr.ts';

/**
 * Chat: every player may move at any time, first choosing a name, then sending
 * messages. The state is the list of all `[name, text]` messages. Never ends.
 */
export class ChatGame implements Game {
  private readonly players: number;
  private readonly names = new Map<number, string>();
  private readonly messages: [string, string][] = [];

  constructor(players: number) {
    this.players = players;
  }

  currentPlayers(): number[] {
    return Array.from({ length: this.players }, (_, i) => i);
  }

  move(move: { [key: string]: Json }, playerId: number): Json | null {
    if (Object.hasOwn(move, 'name')) {
      const name = pyStrip(move.name);
      // Checked before the empty test and against every player, including the mover.
      if ([...this.names.values()].includes(name)) return 'name already in use';
      if (name === '') return 'name must not be an empty string';
      this.names.set(playerId, name);
    }
    if (Object.hasOwn(move, 'message')) {
      const name = this.names.get(playerId);
      if (name === undefined) return 'you must submit your name first';
      const message = pyStrip(move.message);
      if (message === '') return null;
      this.messages.push([name, message]);
    }
    return null;
  }

  gameOver(): boolean {
    return false;
  }

  state(_playerId: number): { [key: string]: Json } {
    return { messages: this.messages.map(([name, text]) => [name, text]) };
  }
}

/** The Chat game type: 1 to 100 players. */
export const Chat: GameDefinition = Object.freeze({
  name: 'Chat',
  minPlayers: 1,
  maxPlayers: 100,
  create: (players: number, _rng: Rng): Game => new ChatGame(players),
});
