import type { Game, GameDefinition, Json, Rng } from './game.ts';

/**
 * Echo: not really a game, useful for debugging. The state echoes the last `msg`
 * received; `'quit'` ends the game and `'error'` is answered with an error message.
 */
export class EchoGame implements Game {
  private message: Json = '';
  private over = false;

  currentPlayers(): number[] {
    return [0];
  }

  move(move: { [key: string]: Json }, _playerId: number): Json | null {
    if (!Object.hasOwn(move, 'msg')) return "keyword argument 'msg' missing";
    this.message = structuredClone(move.msg ?? null);
    if (this.message === 'quit') {
      this.over = true;
    } else if (this.message === 'error') {
      return 'this is an error message from the server';
    }
    return null;
  }

  gameOver(): boolean {
    return this.over;
  }

  state(_playerId: number): { [key: string]: Json } {
    return { echo: structuredClone(this.message) };
  }
}

/** The Echo game type: exactly one player. */
export const Echo: GameDefinition = Object.freeze({
  name: 'Echo',
  minPlayers: 1,
  maxPlayers: 1,
  create: (_players: number, _rng: Rng): Game => new EchoGame(),
});
