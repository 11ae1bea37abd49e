import { describe, it, expect } from 'vitest';
import { SeededRng } from '../../core/rng.ts';
import { Chat, ChatGame } from './chat.ts';

describe('Chat', () => {
  it('is a 1..100 player game type', () => {
    expect(Chat.name).toBe('Chat');
    expect(Chat.minPlayers).toBe(1);
    expect(Chat.maxPlayers).toBe(100);
    expect(Chat.create(3, new SeededRng(1))).toBeInstanceOf(ChatGame);
  });

  it('lets every player move and never ends', () => {
    const game = new ChatGame(3);
    expect(game.currentPlayers()).toEqual([0, 1, 2]);
    expect(JSON.stringify(game.state(1))).toBe('{"messages":[]}');
    game.move({ name: 'a' }, 0);
    game.move({ message: 'x' }, 0);
    expect(game.currentPlayers()).toEqual([0, 1, 2]);
    expect(game.gameOver()).toBe(false);
  });

  it('requires a name before messages', () => {
    const game = new ChatGame(2);
    expect(game.move({ message: 'hi' }, 0)).toBe('you must submit your name first');
    expect(game.state(0)).toEqual({ messages: [] });
  });

  it('strips names and messages and records [name, text] pairs', () => {
    const game = new ChatGame(2);
    expect(game.move({ name: '  ann \n' }, 0)).toBeNull();
    expect(game.move({ name: 'bob' }, 1)).toBeNull();
    expect(game.move({ message: '\thello  ' }, 0)).toBeNull();
    expect(game.move({ message: 'hi ann' }, 1)).toBeNull();
    expect(JSON.stringify(game.state(0))).toBe('{"messages":[["ann","hello"],["bob","hi ann"]]}');
  });

  it('strips like Python, not like String.prototype.trim', () => {
    const game = new ChatGame(2);
    expect(game.move({ name: '\u001cann\u0085' }, 0)).toBeNull();
    expect(game.move({ name: '\ufeffbob' }, 1)).toBeNull();
    game.move({ message: '\u001fx\u2003' }, 0);
    game.move({ message: 'y\ufeff' }, 1);
    expect(game.state(0)).toEqual({
      messages: [
        ['ann', 'x'],
        ['\ufeffbob', 'y\ufeff'],
      ],
    });
  });

  it('rejects empty names', () => {
    const game = new ChatGame(1);
    expect(game.move({ name: '' }, 0)).toBe('name must not be an empty string');
    expect(game.move({ name: ' \t ' }, 0)).toBe('name must not be an empty string');
    expect(game.move({ message: 'x' }, 0)).toBe('you must submit your name first');
  });

  it('rejects a name already in use, even by the same player', () => {
    const game = new ChatGame(2);
    game.move({ name: 'ann' }, 0);
    expect(game.move({ name: 'ann' }, 1)).toBe('name already in use');
    expect(game.move({ name: ' ann ' }, 1)).toBe('name already in use');
    expect(game.move({ name: 'ann' }, 0)).toBe('name already in use');
    expect(game.move({ name: 'Ann' }, 1)).toBeNull();
  });

  it('lets a player change name; old messages keep the old name', () => {
    const game = new ChatGame(2);
    game.move({ name: 'ann' }, 0);
    game.move({ message: 'one' }, 0);
    expect(game.move({ name: 'anna' }, 0)).toBeNull();
    game.move({ message: 'two' }, 0);
    // The old name is free again.
    expect(game.move({ name: 'ann' }, 1)).toBeNull();
    expect(game.state(0)).toEqual({
      messages: [
        ['ann', 'one'],
        ['anna', 'two'],
      ],
    });
  });

  it('handles name and message in the same move, name first', () => {
    const game = new ChatGame(2);
    expect(game.move({ message: 'hi', name: 'ann' }, 0)).toBeNull();
    expect(game.state(0)).toEqual({ messages: [['ann', 'hi']] });
    // A bad name stops the move before the message.
    expect(game.move({ name: 'ann', message: 'lost' }, 1)).toBe('name already in use');
    expect(game.move({ name: '', message: 'lost' }, 1)).toBe('name must not be an empty string');
    expect(game.state(0)).toEqual({ messages: [['ann', 'hi']] });
  });

  it('silently drops empty messages and accepts moves without keys', () => {
    const game = new ChatGame(1);
    game.move({ name: 'ann' }, 0);
    expect(game.move({ message: '   ' }, 0)).toBeNull();
    expect(game.move({ message: '' }, 0)).toBeNull();
    expect(game.move({}, 0)).toBeNull();
    expect(game.move({ other: 1 }, 0)).toBeNull();
    expect(game.state(0)).toEqual({ messages: [] });
  });

  it('throws on non-string names and messages (Python crashes)', () => {
    const game = new ChatGame(2);
    expect(() => game.move({ name: 5 }, 0)).toThrow(TypeError);
    expect(() => game.move({ name: null }, 0)).toThrow(TypeError);
    expect(() => game.move({ name: ['ann'] }, 0)).toThrow(TypeError);
    // The name is set before the message crashes, as in Python.
    expect(() => game.move({ name: 'ann', message: 7 }, 0)).toThrow(TypeError);
    expect(game.move({ name: 'ann' }, 1)).toBe('name already in use');
    expect(game.state(0)).toEqual({ messages: [] });
  });

  it('hands out copies of its state', () => {
    const game = new ChatGame(1);
    game.move({ name: 'ann', message: 'hi' }, 0);
    const state = game.state(0);
    (state.messages as string[][])[0]![1] = 'changed';
    (state.messages as string[][]).push(['x', 'y']);
    expect(game.state(0)).toEqual({ messages: [['ann', 'hi']] });
  });
});
