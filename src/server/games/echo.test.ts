import { describe, it, expect } from 'vitest';
import { SeededRng } from '../../core/rng.ts';
import { Echo, EchoGame } from './echo.ts';

describe('Echo', () => {
  it('is a one-player game type', () => {
    expect(Echo.name).toBe('Echo');
    expect(Echo.minPlayers).toBe(1);
    expect(Echo.maxPlayers).toBe(1);
    expect(Echo.create(1, new SeededRng(1))).toBeInstanceOf(EchoGame);
  });

  it('starts with an empty echo and player 0 to move', () => {
    const game = new EchoGame();
    expect(JSON.stringify(game.state(0))).toBe('{"echo":""}');
    expect(game.currentPlayers()).toEqual([0]);
    expect(game.gameOver()).toBe(false);
  });

  it('requires msg', () => {
    const game = new EchoGame();
    expect(game.move({}, 0)).toBe("keyword argument 'msg' missing");
    expect(game.move({ message: 'hi' }, 0)).toBe("keyword argument 'msg' missing");
    expect(game.state(0)).toEqual({ echo: '' });
  });

  it('echoes any JSON value unchanged', () => {
    const game = new EchoGame();
    expect(game.move({ msg: 'hello' }, 0)).toBeNull();
    expect(game.state(0)).toEqual({ echo: 'hello' });
    const value = { a: [1, 2, { b: null }], c: true, d: 1.5 };
    expect(game.move({ msg: value }, 0)).toBeNull();
    expect(JSON.stringify(game.state(0))).toBe('{"echo":{"a":[1,2,{"b":null}],"c":true,"d":1.5}}');
    expect(game.move({ msg: null }, 0)).toBeNull();
    expect(JSON.stringify(game.state(0))).toBe('{"echo":null}');
    expect(game.move({ msg: 42 }, 0)).toBeNull();
    expect(game.state(0)).toEqual({ echo: 42 });
    expect(game.gameOver()).toBe(false);
  });

  it('neither aliases the move nor hands out its own state', () => {
    const game = new EchoGame();
    const msg = { list: [1] };
    game.move({ msg }, 0);
    msg.list.push(2);
    const state = game.state(0);
    expect(state).toEqual({ echo: { list: [1] } });
    (state.echo as { list: number[] }).list.push(3);
    expect(game.state(0)).toEqual({ echo: { list: [1] } });
  });

  it("ends on 'quit'", () => {
    const game = new EchoGame();
    expect(game.move({ msg: 'quit' }, 0)).toBeNull();
    expect(game.gameOver()).toBe(true);
    expect(game.state(0)).toEqual({ echo: 'quit' });
  });

  it("only the exact string 'quit' ends the game", () => {
    const game = new EchoGame();
    for (const msg of ['QUIT', ' quit', 'quit ', ['quit'], { quit: true }]) {
      expect(game.move({ msg }, 0)).toBeNull();
      expect(game.gameOver()).toBe(false);
    }
  });

  it("answers 'error' with an error message but keeps it as the echo", () => {
    const game = new EchoGame();
    expect(game.move({ msg: 'error' }, 0)).toBe('this is an error message from the server');
    expect(game.state(0)).toEqual({ echo: 'error' });
    expect(game.gameOver()).toBe(false);
    expect(game.move({ msg: ['error'] }, 0)).toBeNull();
  });
});
