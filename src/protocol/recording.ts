import { GameGymError } from '../core/errors.ts';
import type { Request, Response } from './messages.ts';

/**
 * One line of a recording (JSON Lines): the request as sent (keys included),
 * when it was sent (`t`, ms since the recording started) and how long the
 * answer took (`dt`, ms), and either the server's response or the error the
 * transport threw (timeout, abort, refused...: the server's answer is unknown).
 */
export type RecordedExchange =
  { t: number; dt: number; request: Request; response: Response } | { t: number; dt: number; request: Request; error: { code: string; message: string } };

/** Reads a recording: one exchange per non-empty line (lines without a `request` are skipped). */
export function parseRecording(text: string, file = 'recording'): RecordedExchange[] {
  const exchanges: RecordedExchange[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // A line cut short by a crash can only be the last one.
      if (i >= lines.length - 2) return;
      throw new GameGymError('E_RECORDING', `${file}:${i + 1}: not valid JSON`);
    }
    if (value && typeof value === 'object' && 'request' in value && ('response' in value || 'error' in value)) {
      exchanges.push(value as RecordedExchange);
    }
  });
  return exchanges;
}
