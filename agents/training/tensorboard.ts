import { appendFile, mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// TensorBoard's event files, written without TensorFlow: TFRecord framing
// (length, masked CRC-32C of the length, data, masked CRC-32C of the data)
// around protobuf `Event` messages, as tensorboard/compat/proto/event.proto:
//   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }  Value { string tag = 1; float simple_value = 2; }

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), the checksum of TFRecord. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC32C_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: a CRC of data holding CRCs would be weak. */
function maskedCrc(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord: length (uint64 LE), its masked CRC, the data, the data's masked CRC. */
function frame(data: Uint8Array): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(data.length), 0);
  head.writeUInt32LE(maskedCrc(head.subarray(0, 8)), 8);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(maskedCrc(data), 0);
  return Buffer.concat([head, data, tail]);
}

function varint(n: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return Buffer.from(out);
}

/** A length-delimited field (wire type 2). */
function bytesField(field: number, data: Uint8Array): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(data.length), data]);
}

function eventBytes(wallTime: number, step: number, rest: Buffer): Buffer {
  const time = Buffer.alloc(9);
  time[0] = (1 << 3) | 1; // wall_time: 64-bit
  time.writeDoubleLE(wallTime, 1);
  return Buffer.concat([time, varint((2 << 3) | 0), varint(step), rest]);
}

function scalarsBytes(scalars: Record<string, number>): Buffer {
  const values = Object.entries(scalars).map(([tag, value]) => {
    const simple = Buffer.alloc(5);
    simple[0] = (2 << 3) | 5; // simple_value: 32-bit float
    simple.writeFloatLE(value, 1);
    return bytesField(1, Buffer.concat([bytesField(1, Buffer.from(tag, 'utf8')), simple]));
  });
  return bytesField(5, Buffer.concat(values));
}

/**
 * Writes scalars as a TensorBoard event file in `dir`
 * (`events.out.tfevents.<seconds>.<host>`), readable by `tensorboard
 * --logdir` without TensorFlow or tfjs-node here.
 */
export class TensorBoardWriter {
  readonly file: string;
  private writing: Promise<void>;

  private constructor(file: string, first: Promise<void>) {
    this.file = file;
    this.writing = first;
  }

  /** A new event file in `dir` (created if missing), starting with the file_version event. */
  static create(dir: string, now = Date.now()): TensorBoardWriter {
    const file = path.join(dir, `events.out.tfevents.${Math.floor(now / 1000)}.${os.hostname()}`);
    const first = mkdir(dir, { recursive: true }).then(() => appendFile(file, frame(eventBytes(now / 1000, 0, bytesField(3, Buffer.from('brain.Event:2'))))));
    return new TensorBoardWriter(file, first);
  }

  /** Appends one event holding `scalars` (tag -> value; non-finite values are left out) at `step`. */
  scalars(step: number, scalars: Record<string, number | null | undefined>, wallTime = Date.now() / 1000): Promise<void> {
    const finite = Object.fromEntries(Object.entries(scalars).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
    const record = frame(eventBytes(wallTime, step, scalarsBytes(finite)));
    // In order, one append after the other.
    this.writing = this.writing.then(() => appendFile(this.file, record));
    return this.writing;
  }

  /** Resolves when everything given so far is written. */
  flush(): Promise<void> {
    return this.writing;
  }
}

/** One event of an event file, as `readEvents` decodes it. */
export interface TensorBoardEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars: Record<string, number>;
}

/** Reads an event file back, checking every record's CRCs; throws on a corrupt or cut record. */
export async function readEvents(file: string): Promise<TensorBoardEvent[]> {
  const bytes = await readFile(file);
  const events: TensorBoardEvent[] = [];
  for (let at = 0; at < bytes.length;) {
    if (at + 12 > bytes.length) throw new Error(`${file}: record cut at byte ${at}`);
    const length = Number(bytes.readBigUInt64LE(at));
    if (bytes.readUInt32LE(at + 8) !== maskedCrc(bytes.subarray(at, at + 8))) throw new Error(`${file}: bad length CRC at byte ${at}`);
    const data = bytes.subarray(at + 12, at + 12 + length);
    if (data.length !== length || at + 16 + length > bytes.length) throw new Error(`${file}: record cut at byte ${at}`);
    if (bytes.readUInt32LE(at + 12 + length) !== maskedCrc(data)) throw new Error(`${file}: bad data CRC at byte ${at}`);
    events.push(decodeEvent(data));
    at += 16 + length;
  }
  return events;
}

/** Reads a protobuf message's fields: number, wire type and value (a number, or the bytes of a length-delimited field). */
function* protoFields(data: Uint8Array): Generator<[number, number, number | Uint8Array]> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  const readVarint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[at++] as number;
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (at < buf.length) {
    const key = Number(readVarint());
    const [field, wire] = [key >>> 3, key & 7];
    if (wire === 0) yield [field, wire, Number(BigInt.asIntN(64, readVarint()))];
    else if (wire === 1) {
      yield [field, wire, buf.readDoubleLE(at)];
      at += 8;
    } else if (wire === 5) {
      yield [field, wire, buf.readFloatLE(at)];
      at += 4;
    } else if (wire === 2) {
      const n = Number(readVarint());
      yield [field, wire, buf.subarray(at, at + n)];
      at += n;
    } else throw new Error(`Unexpected protobuf wire type ${wire}`);
  }
}

function decodeEvent(data: Uint8Array): TensorBoardEvent {
  const event: TensorBoardEvent = { wallTime: 0, step: 0, scalars: {} };
  for (const [field, , value] of protoFields(data)) {
    if (field === 1) event.wallTime = value as number;
    else if (field === 2) event.step = value as number;
    else if (field === 3) event.fileVersion = Buffer.from(value as Uint8Array).toString('utf8');
    else if (field === 5) {
      for (const [f, , v] of protoFields(value as Uint8Array)) {
        if (f !== 1) continue;
        let tag = '';
        let simple = NaN;
        for (const [g, , w] of protoFields(v as Uint8Array)) {
          if (g === 1) tag = Buffer.from(w as Uint8Array).toString('utf8');
          if (g === 2) simple = w as number;
        }
        event.scalars[tag] = simple;
      }
    }
  }
  return event;
}
