/**
 * A reader of TensorBoard event files written from the format's description alone (TFRecord framing:
 * uint64 length, masked CRC-32C of it, data, masked CRC-32C of the data; tensorflow's event.proto and
 * summary.proto field numbers), with its own bit-by-bit CRC-32C and protobuf decoding, so that a
 * mistake shared with the writer (logging/) cannot pass the tests unseen.
 */
import { readFileSync } from 'node:fs';

function check(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${what}: stored ${actual.toString(16)}, computed ${expected.toString(16)}`);
}

/** CRC-32C one bit at a time (no table), as the Castagnoli polynomial defines it. */
export function bitwiseCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function masked(bytes: Uint8Array): number {
  const crc = bitwiseCrc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** Protobuf fields of a message: field number → values (varints as numbers, fixed as raw bytes, length-delimited as bytes). */
function protoFields(bytes: Uint8Array): Map<number, { wire: number; raw: Uint8Array; int: number }[]> {
  const fields = new Map<number, { wire: number; raw: Uint8Array; int: number }[]>();
  let i = 0;
  const varint = (): number => {
    let value = 0;
    for (let scale = 1; ; scale *= 128) {
      const b = bytes[i++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
    }
  };
  while (i < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let entry;
    if (wire === 0) entry = { wire, raw: new Uint8Array(), int: varint() };
    else if (wire === 1) entry = { wire, raw: bytes.slice(i, (i += 8)), int: 0 };
    else if (wire === 5) entry = { wire, raw: bytes.slice(i, (i += 4)), int: 0 };
    else if (wire === 2) {
      const n = varint();
      entry = { wire, raw: bytes.slice(i, (i += n)), int: n };
    } else throw new Error(`wire type ${wire} at byte ${i}`);
    fields.set(field, [...(fields.get(field) ?? []), entry]);
  }
  return fields;
}

/** One event as read back: its time and step, and the one payload it carries. */
export interface ReadEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars?: { tag: string; value: number }[];
  sessionStatus?: number;
}

/** Every record of an event file, checksums verified (a mismatch throws); `torn` counts bytes after the last whole record. */
export function readEventFile(path: string): { events: ReadEvent[]; torn: number } {
  const bytes = new Uint8Array(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const events: ReadEvent[] = [];
  let at = 0;
  while (at + 12 <= bytes.length) {
    const length = Number(view.getBigUint64(at, true));
    check(view.getUint32(at + 8, true), masked(bytes.subarray(at, at + 8)), `length CRC at byte ${at}`);
    if (at + 16 + length > bytes.length) break;
    const data = bytes.subarray(at + 12, at + 12 + length);
    check(view.getUint32(at + 12 + length, true), masked(data), `data CRC of the record at byte ${at}`);
    const f = protoFields(data);
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    const event: ReadEvent = {
      wallTime: new DataView(f.get(1)![0]!.raw.buffer).getFloat64(0, true),
      step: f.get(2)?.[0]?.int ?? 0,
    };
    if (f.has(3)) event.fileVersion = text(f.get(3)![0]!.raw);
    if (f.has(5)) {
      event.scalars = (protoFields(f.get(5)![0]!.raw).get(1) ?? []).map((v) => {
        const value = protoFields(v.raw);
        return {
          tag: text(value.get(1)![0]!.raw),
          value: new DataView(value.get(2)![0]!.raw.buffer).getFloat32(0, true),
        };
      });
    }
    if (f.has(7)) event.sessionStatus = protoFields(f.get(7)![0]!.raw).get(1)![0]!.int;
    events.push(event);
    at += 16 + length;
  }
  return { events, torn: bytes.length - at };
}
