import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32c, readEvents, TensorBoardWriter } from './tensorboard.ts';

describe('TensorBoard event files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gsg-tb-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('computes CRC-32C (the check value of the Castagnoli polynomial)', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  });

  it('writes TFRecords of Event protos that decode back, CRCs checked', async () => {
    const writer = TensorBoardWriter.create(path.join(dir, 'tb'), 1_700_000_000_500);
    await writer.scalars(5000, { 'train/meanReturn': 0.25, 'eval/random/winRate': 0.9, skipped: NaN, none: null }, 1_700_000_010);
    await writer.scalars(2 ** 40, { 'learner/loss': -1.5 }, 1_700_000_020.25);
    expect(path.basename(writer.file)).toBe(`events.out.tfevents.1700000000.${os.hostname()}`);
    const events = await readEvents(writer.file);
    expect(events).toEqual([
      { wallTime: 1_700_000_000.5, step: 0, fileVersion: 'brain.Event:2', scalars: {} },
      { wallTime: 1_700_000_010, step: 5000, scalars: { 'train/meanReturn': 0.25, 'eval/random/winRate': expect.closeTo(0.9, 6) } },
      { wallTime: 1_700_000_020.25, step: 2 ** 40, scalars: { 'learner/loss': -1.5 } },
    ]);
    // The first record as TensorFlow writes it: 8-byte length, masked CRCs, wall_time (field 1, double), step (field 2), file_version (field 3).
    const bytes = await readFile(writer.file);
    expect(Number(bytes.readBigUInt64LE(0))).toBe(9 + 2 + 15);
    expect([...bytes.subarray(12, 13)]).toEqual([0x09]);
    expect([...bytes.subarray(21, 25)]).toEqual([0x10, 0x00, 0x1a, 13]);
    // A flipped byte is caught.
    bytes[30] = (bytes[30] as number) ^ 1;
    const bad = path.join(dir, 'bad');
    await writeFile(bad, bytes);
    await expect(readEvents(bad)).rejects.toThrow(/bad data CRC/);
    expect(await readdir(path.join(dir, 'tb'))).toHaveLength(1);
  });
});
