import { describe, expect, it } from 'vitest';
import { ProtocolError, RequestTooLargeError } from '../core/errors.ts';
import { decodeRequestPayload, decodeResponse, encodeRequest, encodeResponse, EOT, pythonJsonDumps, REQUEST_SIZE_MAX, RequestReader } from './framing.ts';
import { parseResponse } from './messages.ts';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Feeds `bytes` to a fresh reader cut at `cuts` and returns every result. */
function feed(bytes: Buffer, cuts: number[], limit?: number): ReturnType<RequestReader['push']>[] {
  const reader = new RequestReader(limit);
  const results = [];
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    results.push(reader.push(bytes.subarray(from, to)));
    from = to;
  }
  return results;
}

/** Every way to cut `n` bytes into `parts` non-empty chunks. */
function cutsOf(n: number, parts: number): number[][] {
  if (parts === 1) return [[]];
  const out: number[][] = [];
  const rec = (start: number, left: number, acc: number[]): void => {
    if (left === 0) {
      out.push(acc);
      return;
    }
    for (let c = start; c <= n - left; c++) rec(c + 1, left - 1, [...acc, c]);
  };
  rec(1, parts - 1, []);
  return out;
}

describe('encodeRequest', () => {
  it('is the UTF-8 JSON of the request followed by 45 4F 54 00', () => {
    const bytes = encodeRequest({ type: 'state', game: 'TicTacToe', player_id: 0, observer: false });
    expect(bytes).toEqual(Buffer.concat([ascii('{"type":"state","game":"TicTacToe","player_id":0,"observer":false}'), hex('45 4f 54 00')]));
    expect(EOT).toEqual(hex('45 4f 54 00'));
  });

  it('encodes non-ASCII text as UTF-8', () => {
    expect(encodeRequest({ name: 'é😀' })).toEqual(Buffer.concat([ascii('{"name":"'), hex('c3 a9 f0 9f 98 80'), ascii('"}'), EOT]));
  });

  it('refuses a request over 1,000,000 bytes (terminator included) with RequestTooLargeError', () => {
    const overhead = encodeRequest({ s: '' }).length; // {"s":""}EOT\0 = 12 bytes
    expect(overhead).toBe(12);
    expect(encodeRequest({ s: 'x'.repeat(REQUEST_SIZE_MAX - overhead) })).toHaveLength(1_000_000);
    let error: unknown;
    try {
      encodeRequest({ s: 'x'.repeat(REQUEST_SIZE_MAX - overhead + 1) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RequestTooLargeError);
    expect(error).toMatchObject({ code: 'E_REQUEST_TOO_LARGE', size: 1_000_001, limit: 1_000_000 });
    expect((error as Error).message).toBe('Request of 1000001 bytes exceeds the limit of 1000000 bytes');
  });

  it('counts bytes, not characters, against the limit', () => {
    // 10 two-byte characters: 20 bytes + 12 bytes of overhead.
    expect(() => encodeRequest({ s: 'é'.repeat(10) }, 31)).toThrow(RequestTooLargeError);
    expect(encodeRequest({ s: 'é'.repeat(10) }, 32)).toHaveLength(32);
  });
});

describe('RequestReader', () => {
  const request = ascii('{"type": "join"}EOT\0');
  const payload = ascii('{"type": "join"}');

  it('finds the terminator however 1 to 4 chunks split the last bytes', () => {
    let splits = 0;
    for (let parts = 1; parts <= 4; parts++) {
      // Cut anywhere in the last 6 bytes, so the terminator straddles chunks in every way.
      const tailStart = request.length - 6;
      for (const localCuts of cutsOf(6, parts)) {
        const cuts = localCuts.map((c) => tailStart + c);
        const results = feed(request, cuts);
        expect(
          results.slice(0, -1).every((r) => r.kind === 'more'),
          `cuts ${cuts}`,
        ).toBe(true);
        expect(results.at(-1)).toEqual({ kind: 'complete', payload });
        splits++;
      }
    }
    expect(splits).toBe(1 + 5 + 10 + 10);
  });

  it('handles one byte per chunk', () => {
    const reader = new RequestReader();
    const results = [...request].map((byte) => reader.push(Buffer.from([byte])));
    expect(results.filter((r) => r.kind !== 'more')).toEqual([{ kind: 'complete', payload }]);
    expect(results.at(-1)?.kind).toBe('complete');
    expect(reader.bytesRead).toBe(request.length);
  });

  it('does not end at a terminator in the middle of the data', () => {
    const reader = new RequestReader();
    expect(reader.push(ascii('{"a": "EOT\0x"'))).toEqual({ kind: 'more' });
    expect(reader.push(ascii('EOT\0 '))).toEqual({ kind: 'more' });
    expect(reader.push(ascii('}EOT\0'))).toEqual({ kind: 'complete', payload: ascii('{"a": "EOT\0x"EOT\0 }') });
  });

  it('strips only the last terminator: a payload ending in EOT keeps it (EOTEOT\\0)', () => {
    expect(feed(ascii('{}EOTEOT\0'), [])).toEqual([{ kind: 'complete', payload: ascii('{}EOT') }]);
    expect(feed(ascii('{}EOTEOT\0'), [5, 7])).toEqual([{ kind: 'more' }, { kind: 'more' }, { kind: 'complete', payload: ascii('{}EOT') }]);
  });

  it('does not take EOT without the NUL, or a NUL alone, as the end', () => {
    expect(feed(ascii('{}EOT'), [])).toEqual([{ kind: 'more' }]);
    expect(feed(ascii('{}EOT\0\0'), [])).toEqual([{ kind: 'more' }]);
    expect(feed(ascii('{}eot\0'), [])).toEqual([{ kind: 'more' }]);
  });

  it('accepts an empty payload (just the terminator)', () => {
    expect(feed(ascii('EOT\0'), [2])).toEqual([{ kind: 'more' }, { kind: 'complete', payload: Buffer.alloc(0) }]);
  });

  it('checks the size limit before the terminator: 1,000,001 bytes ending in EOT\\0 are too large', () => {
    const big = Buffer.alloc(1_000_001, 0x78);
    EOT.copy(big, big.length - 4);
    expect(feed(big, [])).toEqual([{ kind: 'too-large' }]);
    expect(feed(big, [500_000])).toEqual([{ kind: 'more' }, { kind: 'too-large' }]);
  });

  it('completes a request of exactly 1,000,000 bytes', () => {
    const max = Buffer.alloc(1_000_000, 0x78);
    EOT.copy(max, max.length - 4);
    const results = feed(max, [65_536, 999_998]);
    expect(results.map((r) => r.kind)).toEqual(['more', 'more', 'complete']);
    const last = results[2] as { kind: 'complete'; payload: Buffer };
    expect(last.payload.length).toBe(999_996);
    expect(last.payload.every((b) => b === 0x78)).toBe(true);
  });

  it('reports too-large as soon as the limit is passed, without waiting for a terminator', () => {
    const reader = new RequestReader(10);
    expect(reader.push(ascii('0123456789'))).toEqual({ kind: 'more' });
    expect(reader.push(ascii('a'))).toEqual({ kind: 'too-large' });
  });
});

describe('decodeRequestPayload', () => {
  it('parses a JSON payload', () => {
    expect(decodeRequestPayload(ascii('{"type": "join", "players": null}'))).toEqual({
      ok: true,
      value: { type: 'join', players: null },
    });
    expect(decodeRequestPayload(hex('7b 22 6e 22 3a 22 c3 a9 22 7d'))).toEqual({ ok: true, value: { n: 'é' } });
  });

  it.each([
    ['ff fe fd', 'invalid bytes'],
    ['7b 22 61 22 3a 22 c3 22 7d', 'a truncated 2-byte sequence'],
    ['c0 80', 'an overlong NUL'],
    ['22 ed a0 80 22', 'a UTF-8-encoded surrogate'],
    ['22 f4 90 80 80 22', 'a code point above U+10FFFF'],
  ])('answers %s (%s) as undecodable', (bytes) => {
    expect(decodeRequestPayload(hex(bytes))).toEqual({
      ok: false,
      message: 'server: could not decode binary data received from client',
    });
  });

  it('treats a UTF-8 BOM as corrupt JSON, as Python json.loads does', () => {
    expect(decodeRequestPayload(Buffer.concat([hex('ef bb bf'), ascii('{"type": "join"}')]))).toEqual({
      ok: false,
      message: 'server: corrupt json received from client',
    });
  });

  it.each(['', '{', '{"type": "join"', "{'type': 'join'}", '{"a": 1,}', '{"a": "\n"}', 'join'])('answers %j as corrupt JSON', (text) => {
    expect(decodeRequestPayload(ascii(text))).toEqual({ ok: false, message: 'server: corrupt json received from client' });
  });

  it('passes JSON that is not an object on (the framework decides)', () => {
    expect(decodeRequestPayload(ascii(' [1, 2] '))).toEqual({ ok: true, value: [1, 2] });
    expect(decodeRequestPayload(ascii('null'))).toEqual({ ok: true, value: null });
  });
});

describe('pythonJsonDumps matches Python json.dumps byte for byte', () => {
  // Expected strings printed by CPython 3.11 json.dumps(value).
  it.each<[string, unknown, string]>([
    [
      'a response',
      { status: 'ok', data: { board: [-1, 0, 1], winner: null, current: [], gameover: true } },
      '{"status": "ok", "data": {"board": [-1, 0, 1], "winner": null, "current": [], "gameover": true}}',
    ],
    ['nested objects and lists', { a: { b: { c: [1, [2, [3, {}]], []] } }, e: [], f: {} }, '{"a": {"b": {"c": [1, [2, [3, {}]], []]}}, "e": [], "f": {}}'],
    ['é', 'é', '"\\u00e9"'],
    ['an emoji (surrogate pair)', '😀', '"\\ud83d\\ude00"'],
    ['DEL', '\u007f', '"\\u007f"'],
    ['control characters, quote, backslash, slash', '\u0000\u0001\b\t\n\f\r\u001f "\\/', '"\\u0000\\u0001\\b\\t\\n\\f\\r\\u001f \\"\\\\/"'],
    ['U+2028, U+00FF, U+0100, U+FFFF', '\u2028\u00ff\u0100\uffff', '"\\u2028\\u00ff\\u0100\\uffff"'],
    ['mixed text', 'café 日本', '"caf\\u00e9 \\u65e5\\u672c"'],
    ['a lone surrogate', '\ud800', '"\\ud800"'],
    ['scalars', [true, false, null, 0, -5, 1.5, 1e21, 123456789], '[true, false, null, 0, -5, 1.5, 1e+21, 123456789]'],
    [
      'chat messages',
      {
        messages: [
          ['Ann', 'hi 😀'],
          ['Böb', 'tab\there'],
        ],
      },
      '{"messages": [["Ann", "hi \\ud83d\\ude00"], ["B\\u00f6b", "tab\\there"]]}',
    ],
    ['an empty list', [], '[]'],
    ['an empty object', {}, '{}'],
    ['an empty string', '', '""'],
    ['an error response', { status: 'error', message: 'framework: game session was overwritten' }, '{"status": "error", "message": "framework: game session was overwritten"}'],
  ])('%s', (_, value, expected) => {
    expect(pythonJsonDumps(value)).toBe(expected);
  });

  it('writes only ASCII bytes, and encodeResponse adds no terminator', () => {
    const bytes = encodeResponse({ status: 'illegalmove', message: 'game: ünïcödé 😀' });
    expect(bytes.every((b) => b < 0x80)).toBe(true);
    expect(bytes.toString('latin1')).toBe('{"status": "illegalmove", "message": "game: \\u00fcn\\u00efc\\u00f6d\\u00e9 \\ud83d\\ude00"}');
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({ status: 'illegalmove', message: 'game: ünïcödé 😀' });
  });

  it('skips undefined object values like JSON.stringify', () => {
    expect(pythonJsonDumps({ a: undefined, b: 1 })).toBe('{"b": 1}');
  });
});

describe('decodeResponse and parseResponse', () => {
  function protocolError(fn: () => unknown): ProtocolError {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe('E_PROTOCOL');
      return error as ProtocolError;
    }
    throw new Error('expected a ProtocolError');
  }

  it('decodes the three response shapes', () => {
    expect(decodeResponse(ascii('{"status": "ok", "data": null}'))).toEqual({ status: 'ok', data: null });
    expect(decodeResponse(ascii('{"status": "error", "message": "server: x"}'))).toEqual({ status: 'error', message: 'server: x' });
    expect(decodeResponse(ascii('{"status": "illegalmove", "message": ["a", 1]}'))).toEqual({
      status: 'illegalmove',
      message: ['a', 1],
    });
    expect(decodeResponse(ascii('{"status": "ok", "data": {"n": "\\u00e9"}}'))).toEqual({ status: 'ok', data: { n: 'é' } });
  });

  it('round-trips what encodeResponse writes', () => {
    const response = { status: 'ok' as const, data: { messages: [['Böb', 'hi 😀\n']], current: [0], gameover: false } };
    expect(decodeResponse(encodeResponse(response))).toEqual(response);
  });

  it('rejects empty bytes', () => {
    expect(protocolError(() => decodeResponse(Buffer.alloc(0))).message).toBe('The server closed the connection without a response');
  });

  it('rejects invalid UTF-8', () => {
    expect(protocolError(() => decodeResponse(hex('ff fe fd'))).message).toBe('Response of 3 bytes is not valid UTF-8');
  });

  it('rejects text that is not JSON, quoting it', () => {
    expect(protocolError(() => decodeResponse(ascii('<html>502</html>'))).message).toBe('Response is not valid JSON: "<html>502</html>"');
    const long = protocolError(() => decodeResponse(ascii('x'.repeat(200)))).message;
    expect(long).toBe(`Response is not valid JSON: "${'x'.repeat(77)}..."`);
    // A truncated answer is not JSON either.
    expect(protocolError(() => decodeResponse(ascii('{"status": "ok", "da'))).message).toMatch(/^Response is not valid JSON/);
  });

  it('rejects a UTF-8 BOM before the JSON', () => {
    expect(protocolError(() => decodeResponse(Buffer.concat([hex('ef bb bf'), ascii('{"status": "ok", "data": 1}')]))).message).toMatch(/^Response is not valid JSON/);
  });

  it.each<[string, string]>([
    ['[1, 2]', 'Expected the response to be a JSON object, got a list'],
    ['null', 'Expected the response to be a JSON object, got null'],
    ['"ok"', 'Expected the response to be a JSON object, got string "ok"'],
    ['42', 'Expected the response to be a JSON object, got number 42'],
    ['{"data": 1}', 'Expected status "ok", "error" or "illegalmove", got nothing'],
    ['{"status": "OK", "data": 1}', 'Expected status "ok", "error" or "illegalmove", got string "OK"'],
    ['{"status": null, "data": 1}', 'Expected status "ok", "error" or "illegalmove", got null'],
    ['{"status": "ok"}', 'Response with status "ok" has no "data"'],
    ['{"status": "error"}', 'Response with status "error" needs a string "message", got nothing'],
    ['{"status": "error", "message": ["x"]}', 'Response with status "error" needs a string "message", got a list'],
    ['{"status": "error", "message": 7}', 'Response with status "error" needs a string "message", got number 7'],
    ['{"status": "illegalmove"}', 'Response with status "illegalmove" has no "message"'],
  ])('rejects %s', (text, message) => {
    expect(protocolError(() => decodeResponse(ascii(text))).message).toBe(message);
    expect(protocolError(() => parseResponse(JSON.parse(text))).message).toBe(message);
  });

  it('keeps only the fields of the protocol', () => {
    expect(parseResponse({ status: 'ok', data: 1, extra: true })).toEqual({ status: 'ok', data: 1 });
  });
});
