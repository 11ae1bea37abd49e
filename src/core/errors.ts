/**
 * Every error this package throws is a `GameGymError` with a stable `code`
 * (listed in the README), so callers can branch on `err.code` instead of on
 * message text.
 */
export class GameGymError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The server answered `{"status": "error"}`; `serverMessage` keeps its text. */
export class GameServerError extends GameGymError {
  readonly serverMessage: string;

  constructor(serverMessage: string, code = 'E_SERVER') {
    super(code, `Game server error: ${serverMessage}`);
    this.serverMessage = serverMessage;
  }
}

/**
 * The session this client played in is gone: overwritten by a new join, timed
 * out, or unknown to the server (after a server restart, say).
 */
export class SessionLostError extends GameServerError {
  constructor(serverMessage: string) {
    super(serverMessage, 'E_SESSION_LOST');
  }
}

/** The game refused a move (`{"status": "illegalmove"}`); `value` is the JSON the game returned. */
export class IllegalMoveError extends GameGymError {
  readonly value: unknown;

  constructor(value: unknown) {
    super('E_ILLEGAL_MOVE', `Illegal move: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
    this.value = value;
  }
}

/** Nobody listens at the address (ECONNREFUSED), or the host name does not resolve. */
export class ConnectionRefusedError extends GameGymError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CONN_REFUSED', message, options);
  }
}

/**
 * The TLS handshake failed: the server's certificate did not verify (unknown
 * CA, self-signed, wrong host name, expired) or the peer does not speak TLS.
 * Not retried: the next attempt would fail the same way.
 */
export class TlsError extends GameGymError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_TLS', message, options);
  }
}

/** The connection broke, or the server closed it without answering. */
export class ConnectionResetError extends GameGymError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CONN_RESET', message, options);
  }
}

/** A wait ran past its limit; the message says what was pending. */
export class TimeoutError extends GameGymError {
  constructor(message: string) {
    super('E_TIMEOUT', message);
  }
}

/** The caller's AbortSignal fired; the message says what was pending. */
export class AbortError extends GameGymError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_ABORTED', message, options);
  }
}

/** The peer sent something the protocol does not allow (bad JSON, no status, ...). */
export class ProtocolError extends GameGymError {
  constructor(message: string) {
    super('E_PROTOCOL', message);
  }
}

/** A request is larger than the server accepts (1,000,000 bytes by default). */
export class RequestTooLargeError extends GameGymError {
  readonly size: number;
  readonly limit: number;

  constructor(size: number, limit: number) {
    super('E_REQUEST_TOO_LARGE', `Request of ${size} bytes exceeds the limit of ${limit} bytes`);
    this.size = size;
    this.limit = limit;
  }
}

/** An option passed to a constructor or function is invalid. */
export class InvalidOptionError extends GameGymError {
  constructor(message: string) {
    super('E_INVALID_OPTION', message);
  }
}

/** The client was used out of order (a move before join, a move as an observer, ...). */
export class ClientStateError extends GameGymError {
  constructor(message: string) {
    super('E_CLIENT_STATE', message);
  }
}

/** A long-running job (training) lost its game server and it did not come back within the retries. */
export class ServerLostError extends GameGymError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_SERVER_LOST', message, options);
  }
}
