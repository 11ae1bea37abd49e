import { GameServerError, IllegalMoveError, ProtocolError, SessionLostError } from '../core/errors.ts';

/** A JSON value as it crosses the wire. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** Start or join a session; blocks on the server until the session is full. */
export interface JoinRequest {
  type: 'join';
  game: string;
  session: string;
  players: number | null;
  name: string;
}

/** Submit a move for the given player. */
export interface MoveRequest {
  type: 'move';
  game: string;
  session: string;
  player_id: number;
  key: string;
  move: JsonObject;
}

/** Read the state; long-polls until it changed since this reader last looked. */
export interface StateRequest {
  type: 'state';
  game: string;
  session: string;
  player_id: number;
  key: string;
  observer: boolean;
}

/** Ask for the id and key of a named player, to follow it as an observer. */
export interface ObserveRequest {
  type: 'observe';
  game: string;
  session: string;
  name: string;
}

/** Replace the session's game with a fresh one; ids and keys stay. */
export interface RestartRequest {
  type: 'restart';
  game: string;
  session: string;
  player_id: number;
  key: string;
}

/** Any of the five requests. */
export type Request = JoinRequest | MoveRequest | StateRequest | ObserveRequest | RestartRequest;
/** The `type` field of a request. */
export type RequestType = Request['type'];

/** `{"status": "ok", "data": ...}` */
export interface OkResponse {
  status: 'ok';
  data: Json;
}
/** `{"status": "error", "message": "framework: ..." | "server: ..."}` */
export interface ErrorResponse {
  status: 'error';
  message: string;
}
/** `{"status": "illegalmove", "message": "game: ..." | any JSON the game returned}` */
export interface IllegalMoveResponse {
  status: 'illegalmove';
  message: Json;
}
/** Any of the three responses. */
export type Response = OkResponse | ErrorResponse | IllegalMoveResponse;

/** What `join` returns. */
export interface JoinData {
  player_id: number;
  key: string;
  session: string;
  request_size_max: number;
}

/** What `observe` returns. */
export interface ObserveData {
  player_id: number;
  key: string;
}

/** What `state` returns: the game's state plus the two keys the framework adds. */
export interface GameState extends JsonObject {
  current: number[];
  gameover: boolean;
}

/** Checks that a parsed JSON value is one of the three response shapes. */
export function parseResponse(value: unknown): Response {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError(`Expected the response to be a JSON object, got ${describe(value)}`);
  }
  const obj = value as Record<string, unknown>;
  switch (obj.status) {
    case 'ok':
      if (!('data' in obj)) throw new ProtocolError('Response with status "ok" has no "data"');
      return { status: 'ok', data: obj.data as Json };
    case 'error':
      if (typeof obj.message !== 'string') {
        throw new ProtocolError(`Response with status "error" needs a string "message", got ${describe(obj.message)}`);
      }
      return { status: 'error', message: obj.message };
    case 'illegalmove':
      if (!('message' in obj)) throw new ProtocolError('Response with status "illegalmove" has no "message"');
      return { status: 'illegalmove', message: obj.message as Json };
    default:
      throw new ProtocolError(`Expected status "ok", "error" or "illegalmove", got ${describe(obj.status)}`);
  }
}

const SESSION_LOST = ['framework: game session was overwritten', 'framework: game session has timed out', 'framework: no such game session'];

/** Returns the data of an ok response, or throws the error the response stands for. */
export function unwrapResponse(response: Response): Json {
  if (response.status === 'ok') return response.data;
  if (response.status === 'illegalmove') {
    const m = response.message;
    throw new IllegalMoveError(typeof m === 'string' && m.startsWith('game: ') ? m.slice(6) : m);
  }
  if (SESSION_LOST.includes(response.message)) throw new SessionLostError(response.message);
  throw new GameServerError(response.message);
}

/** Validates the data of a join answer. */
export function parseJoinData(data: Json): JoinData {
  const obj = expectObject(data, 'join');
  return {
    player_id: expectInt(obj.player_id, 'join', 'player_id'),
    key: expectString(obj.key, 'join', 'key'),
    session: expectString(obj.session, 'join', 'session'),
    request_size_max: expectInt(obj.request_size_max, 'join', 'request_size_max'),
  };
}

/** Validates the data of an observe answer. */
export function parseObserveData(data: Json): ObserveData {
  const obj = expectObject(data, 'observe');
  return {
    player_id: expectInt(obj.player_id, 'observe', 'player_id'),
    key: expectString(obj.key, 'observe', 'key'),
  };
}

/** Validates the data of a state answer (an object with `current` ids and a `gameover` flag). */
export function parseGameState(data: Json): GameState {
  const obj = expectObject(data, 'state');
  const current = obj.current;
  if (!Array.isArray(current) || !current.every((id) => Number.isInteger(id))) {
    throw new ProtocolError(`Expected state.current to be a list of player ids, got ${describe(current)}`);
  }
  if (typeof obj.gameover !== 'boolean') {
    throw new ProtocolError(`Expected state.gameover to be a boolean, got ${describe(obj.gameover)}`);
  }
  return obj as GameState;
}

function expectObject(data: Json, what: string): JsonObject {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ProtocolError(`Expected the ${what} answer's data to be an object, got ${describe(data)}`);
  }
  return data;
}

function expectInt(value: Json | undefined, what: string, key: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ProtocolError(`Expected ${what}.${key} to be an integer, got ${describe(value)}`);
  }
  return value;
}

function expectString(value: Json | undefined, what: string, key: string): string {
  if (typeof value !== 'string') {
    throw new ProtocolError(`Expected ${what}.${key} to be a string, got ${describe(value)}`);
  }
  return value;
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 60 ? text.slice(0, 57) + '...' : text}`;
}
