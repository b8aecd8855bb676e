/**
 * The protobuf encoding of the TensorBoard `Event` messages this package writes (tensorflow's
 * event.proto and summary.proto): `wall_time` (1, double), `step` (2, int64) and one of
 * `file_version` (3, string), `summary` (5: repeated `Value` (1) of `tag` (1, string) and
 * `simple_value` (2, float)) or `session_log` (7: `status` (1, enum; START = 1)). Only these fields
 * are needed for scalars, so a few lines of wire format replace a protobuf dependency.
 */
import type { Scalar } from './scalar-tags.js';

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** Version string of the event files TensorBoard reads today. */
export const EVENT_FILE_VERSION = 'brain.Event:2';

/** Appends protobuf fields to a growing list of byte chunks. */
class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];

  private varint(value: number): void {
    const bytes: number[] = [];
    // Division, not bit shifts: steps may pass 2³¹ (any non-negative safe integer is exact).
    let v = value;
    while (v >= 0x80) {
      bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    bytes.push(v);
    this.chunks.push(Uint8Array.from(bytes));
  }

  private key(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  uint(field: number, value: number): this {
    this.key(field, VARINT);
    this.varint(value);
    return this;
  }

  double(field: number, value: number): this {
    this.key(field, FIXED64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.chunks.push(bytes);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.chunks.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, LENGTH_DELIMITED);
    this.varint(value.length);
    this.chunks.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  finish(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

function eventHead(wallTime: number, step: number): ProtoWriter {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new RangeError(`event step: expected a non-negative integer, got ${step}`);
  }
  return new ProtoWriter().double(1, wallTime).uint(2, step);
}

/** The first event of a file: its format version. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return eventHead(wallTime, 0).string(3, EVENT_FILE_VERSION).finish();
}

/** Scalars of one step (TensorBoard stores `simple_value` as a 32-bit float). */
export function scalarsEvent(wallTime: number, step: number, scalars: readonly Scalar[]): Uint8Array {
  const summary = new ProtoWriter();
  for (const { tag, value } of scalars) summary.bytes(1, new ProtoWriter().string(1, tag).float(2, value).finish());
  return eventHead(wallTime, step).bytes(5, summary.finish()).finish();
}

/**
 * A session START at `step`: TensorBoard drops the events of earlier files at this step and later, so
 * a run resumed from a checkpoint does not show the steps a crash left behind twice.
 */
export function sessionStartEvent(wallTime: number, step: number): Uint8Array {
  return eventHead(wallTime, step).bytes(7, new ProtoWriter().uint(1, 1).finish()).finish();
}
