/**
 * TensorBoard event files: `DIR/events.out.tfevents.<seconds>.<host>`, one TFRecord per event, each
 * appended whole or not at all (append-line.ts cuts a failed write back), so the file always ends on a
 * record boundary; a torn tail left by a killed process is cut off the next time a writer opens the
 * folder. A resumed run starts a new file with a session START at its first step, which tells
 * TensorBoard to drop what the earlier files hold from that step on.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, truncateSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { withStorage } from '../errors.js';
import { appendLines } from '../metrics/append-line.js';
import type { MetricsRecord } from '../metrics/records.js';
import { fileVersionEvent, scalarsEvent, sessionStartEvent } from './event-proto.js';
import { recordScalars } from './scalar-tags.js';
import { tfRecord, wholeRecordsLength } from './tfrecord.js';

/** Names of the event files TensorBoard reads (it matches `tfevents` in the name). */
const EVENT_FILE = /^events\.out\.tfevents\./;

/** Options of {@link TensorBoardWriter}. */
export interface TensorBoardWriterOptions {
  /** The run continues after this step (a resume): the new file starts with a session START at the next. */
  resumedAfter?: number;
  /** Seconds since the epoch of each event (default: now). */
  clock?: () => number;
}

/** Whether `name` is a TensorBoard event file. */
export function isEventFile(name: string): boolean {
  return EVENT_FILE.test(name);
}

/** Cut the torn tail of every event file in `dir` back to its last whole record; returns the files cut. */
export function repairEventFiles(dir: string): string[] {
  const cut: string[] = [];
  const consequence = 'no TensorBoard events were written';
  for (const name of withStorage(dir, 'read', () => readdirSync(dir), consequence).filter(isEventFile)) {
    const path = join(dir, name);
    const bytes = withStorage(path, 'read', () => readFileSync(path), consequence);
    const whole = wholeRecordsLength(bytes);
    if (whole < bytes.length) {
      withStorage(path, 'write', () => truncateSync(path, whole), 'its torn last event was not removed');
      cut.push(path);
    }
  }
  return cut;
}

/** Writes the scalars of metrics records to a new event file in a folder. */
export class TensorBoardWriter {
  /** The event file written. */
  readonly path: string;
  private readonly clock: () => number;

  /** A new event file in `dir` (created with its parents); earlier files there are repaired, never rewritten. */
  constructor(dir: string, options: TensorBoardWriterOptions = {}) {
    this.clock = options.clock ?? (() => Date.now() / 1000);
    const consequence = 'no TensorBoard events were written';
    withStorage(dir, 'create', () => mkdirSync(dir, { recursive: true }), consequence);
    repairEventFiles(dir);
    const base = `events.out.tfevents.${Math.floor(this.clock())}.${hostname()}`;
    let path = join(dir, base);
    // Two writers in the same second (a quick resume) each get their own file.
    for (let n = 1; existsSync(path); n++) path = join(dir, `${base}.${n}`);
    this.path = path;
    this.append(fileVersionEvent(this.clock()), consequence);
    if (options.resumedAfter !== undefined) {
      this.append(sessionStartEvent(this.clock(), options.resumedAfter + 1), consequence);
    }
  }

  /** Append the numbers of a step (`train/…`) or eval (`eval/…`) record as scalars at its step. */
  write(record: MetricsRecord): void {
    const what = record.kind === 'step' ? `step ${record.step}` : `the evaluation after step ${record.step}`;
    this.append(
      scalarsEvent(this.clock(), record.step, recordScalars(record)),
      `the TensorBoard scalars of ${what} were not written (the file is intact up to the event before)`,
    );
  }

  private append(event: Uint8Array, consequence: string): void {
    appendLines(this.path, tfRecord(event), consequence);
  }
}
