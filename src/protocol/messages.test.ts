import { describe, expect, it } from 'vitest';
import { GameGymError, GameServerError, IllegalMoveError, ProtocolError, SessionLostError } from '../core/errors.ts';
import { parseGameState, parseJoinData, parseObserveData, unwrapResponse, type Json, type Response } from './messages.ts';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('unwrapResponse', () => {
  it('returns the data of an ok response', () => {
    expect(unwrapResponse({ status: 'ok', data: null })).toBeNull();
    expect(unwrapResponse({ status: 'ok', data: { a: [1] } })).toEqual({ a: [1] });
  });

  it('maps a framework or server error to GameServerError (E_SERVER) and keeps the text', () => {
    for (const message of [
      'framework: invalid key',
      'framework: not your turn',
      'framework: game has ended',
      'server: request size exceeded by client',
      'framework: no such game session; provide the number of players to start one',
      'framework: internal error',
    ]) {
      const error = thrown(() => unwrapResponse({ status: 'error', message }));
      expect(error).toBeInstanceOf(GameServerError);
      expect(error).toBeInstanceOf(GameGymError);
      expect(error).not.toBeInstanceOf(SessionLostError);
      expect(error).toMatchObject({ code: 'E_SERVER', serverMessage: message, name: 'GameServerError' });
      expect((error as Error).message).toBe(`Game server error: ${message}`);
    }
  });

  it.each(['framework: game session was overwritten', 'framework: game session has timed out', 'framework: no such game session'])(
    'maps %j to SessionLostError (E_SESSION_LOST), still a GameServerError',
    (message) => {
      const error = thrown(() => unwrapResponse({ status: 'error', message }));
      expect(error).toBeInstanceOf(SessionLostError);
      expect(error).toBeInstanceOf(GameServerError);
      expect(error).toMatchObject({ code: 'E_SESSION_LOST', serverMessage: message, name: 'SessionLostError' });
    },
  );

  it('maps an illegal move with a "game: " string to IllegalMoveError without the prefix', () => {
    const error = thrown(() => unwrapResponse({ status: 'illegalmove', message: 'game: position already occupied' }));
    expect(error).toBeInstanceOf(IllegalMoveError);
    expect(error).toMatchObject({ code: 'E_ILLEGAL_MOVE', value: 'position already occupied', name: 'IllegalMoveError' });
    expect((error as Error).message).toBe('Illegal move: position already occupied');
  });

  it('strips the prefix only once and only at the start', () => {
    expect(thrown(() => unwrapResponse({ status: 'illegalmove', message: 'game: game: x' }))).toMatchObject({ value: 'game: x' });
    expect(thrown(() => unwrapResponse({ status: 'illegalmove', message: 'not a game: message' }))).toMatchObject({
      value: 'not a game: message',
    });
    expect(thrown(() => unwrapResponse({ status: 'illegalmove', message: 'game:no space' }))).toMatchObject({
      value: 'game:no space',
    });
  });

  it('keeps any other JSON the game returned unchanged', () => {
    const list: Json = ['there are no 3s', 3];
    const error = thrown(() => unwrapResponse({ status: 'illegalmove', message: list }));
    expect(error).toBeInstanceOf(IllegalMoveError);
    expect((error as IllegalMoveError).value).toEqual(['there are no 3s', 3]);
    expect((error as Error).message).toBe('Illegal move: ["there are no 3s",3]');
    expect(thrown(() => unwrapResponse({ status: 'illegalmove', message: { why: 1 } }))).toMatchObject({ value: { why: 1 } });
    expect(thrown(() => unwrapResponse({ status: 'illegalmove', message: 5 }))).toMatchObject({ value: 5 });
  });

  it('throws errors whose stack names their class', () => {
    const response: Response = { status: 'error', message: 'framework: invalid key' };
    const error = thrown(() => unwrapResponse(response)) as GameServerError;
    expect(error.stack).toMatch(/^GameServerError: Game server error: framework: invalid key/);
  });
});

describe('parseJoinData', () => {
  const good = { player_id: 1, key: 'abc12', session: 'auto-0', request_size_max: 1_000_000 };

  it('accepts a join answer', () => {
    expect(parseJoinData(good)).toEqual(good);
  });

  it.each<[Json, string]>([
    [null, "Expected the join answer's data to be an object, got null"],
    [[1], "Expected the join answer's data to be an object, got a list"],
    ['x', 'Expected the join answer\'s data to be an object, got string "x"'],
    [{ ...good, player_id: '1' }, 'Expected join.player_id to be an integer, got string "1"'],
    [{ ...good, player_id: 1.5 }, 'Expected join.player_id to be an integer, got number 1.5'],
    [{ ...good, key: 5 }, 'Expected join.key to be a string, got number 5'],
    [{ key: 'k', session: 's', request_size_max: 1 }, 'Expected join.player_id to be an integer, got nothing'],
    [{ ...good, session: null }, 'Expected join.session to be a string, got null'],
    [{ ...good, request_size_max: 'big' }, 'Expected join.request_size_max to be an integer, got string "big"'],
  ])('rejects %j', (data, message) => {
    const error = thrown(() => parseJoinData(data));
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toBe(message);
  });
});

describe('parseObserveData', () => {
  it('accepts an observe answer and rejects a malformed one', () => {
    expect(parseObserveData({ player_id: 0, key: 'k' })).toEqual({ player_id: 0, key: 'k' });
    expect(thrown(() => parseObserveData({ player_id: 0 }))).toBeInstanceOf(ProtocolError);
    expect(thrown(() => parseObserveData([]))).toBeInstanceOf(ProtocolError);
  });
});

describe('parseGameState', () => {
  it('accepts a state with current ids and a gameover flag, keeping the game fields', () => {
    const state = { board: [-1, 0, 1, -1, -1, -1, -1, -1, -1], winner: null, current: [1], gameover: false };
    expect(parseGameState(state)).toEqual(state);
    expect(parseGameState({ current: [], gameover: true })).toEqual({ current: [], gameover: true });
  });

  it.each<[Json, string]>([
    [null, "Expected the state answer's data to be an object, got null"],
    [[], "Expected the state answer's data to be an object, got a list"],
    [{ gameover: false }, 'Expected state.current to be a list of player ids, got nothing'],
    [{ current: 0, gameover: false }, 'Expected state.current to be a list of player ids, got number 0'],
    [{ current: ['0'], gameover: false }, 'Expected state.current to be a list of player ids, got a list'],
    [{ current: [0.5], gameover: false }, 'Expected state.current to be a list of player ids, got a list'],
    [{ current: [0] }, 'Expected state.gameover to be a boolean, got nothing'],
    [{ current: [0], gameover: 0 }, 'Expected state.gameover to be a boolean, got number 0'],
    [{ current: [0], gameover: 'false' }, 'Expected state.gameover to be a boolean, got string "false"'],
  ])('rejects %j', (data, message) => {
    const error = thrown(() => parseGameState(data));
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ code: 'E_PROTOCOL', message });
  });
});
