/**
 * `RUN_DIR/metrics.jsonl`: append-only, one JSON line per record. Each record is checked against
 * its schema before it is written (a NaN would otherwise become `null` in JSON, silently), and each
 * line is appended whole or not at all (append-line.ts: a full disk's partial write is cut back). A
 * crash mid-write can still leave a torn last line: the reader reports it with its line number and
 * leaves it out, and a resumed run drops it.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@rlvr/core';
import type * as z from 'zod';
import { StorageError, errnoCode, withStorage } from '../errors.js';
import { appendLines } from './append-line.js';
import { MetricsError } from './metrics-error.js';
import { METRICS_RECORD_SCHEMA, type EvalMetrics, type MetricsRecord, type StepMetrics } from './records.js';
import { metricsPath } from './run-layout.js';

/** Path of the first non-finite number in `value` (`phaseSeconds.train`), or null. */
function nonFinitePath(value: unknown, path = ''): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nonFinitePath(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = nonFinitePath(item, path === '' ? key : `${path}.${key}`);
      if (found !== null) return found;
    }
  }
  return null;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  return `${issue.path.map(String).join('.') || 'record'}: ${issue.message}`;
}

/** Check a record against its schema; throws a {@link MetricsError} naming the first bad field. */
export function checkMetricsRecord(record: unknown): MetricsRecord {
  const bad = nonFinitePath(record);
  if (bad !== null) throw new MetricsError(bad, `expected a finite number, got ${String(valueAt(record, bad))}`);
  const result = METRICS_RECORD_SCHEMA.safeParse(record);
  if (!result.success) throw new MetricsError('metrics record', describeIssue(result.error.issues[0]!));
  return result.data;
}

function valueAt(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path.replace(/\[(\d+)\]/g, '.$1').split('.')) node = (node as Record<string, unknown>)[key];
  return node;
}

/** Appends checked records to a run's metrics.jsonl (created with its folder on first use). */
export class MetricsWriter {
  /** The file written. */
  readonly path: string;

  /** A writer for `runDir`'s metrics.jsonl; existing lines are kept (a resumed run appends). */
  constructor(runDir: string) {
    withStorage(runDir, 'create', () => mkdirSync(runDir, { recursive: true }), 'no metrics were written');
    this.path = metricsPath(runDir);
  }

  /**
   * Append one step or eval record, whole or not at all; throws a {@link MetricsError} (and writes
   * nothing) if it is invalid, a `StorageError` saying which record was not saved if the write fails.
   */
  append(record: StepMetrics | EvalMetrics): void {
    const checked = checkMetricsRecord(record);
    const what = record.kind === 'step' ? `step ${record.step}` : `the evaluation after step ${record.step}`;
    appendLines(
      this.path,
      `${JSON.stringify(checked)}\n`,
      `the metrics of ${what} were not written (the file is intact up to the record before)`,
    );
  }
}

/** What {@link readMetrics} found. */
export interface MetricsFile {
  /** Step records in file order. */
  steps: StepMetrics[];
  /** Eval records in file order. */
  evals: EvalMetrics[];
  /** True when the last line was cut short (a crash mid-append) and was left out. */
  truncated: boolean;
  /** The 1-based line number of that torn last line, when there is one. */
  tornLine?: number;
}

/**
 * Read and check a metrics.jsonl. A malformed line is a {@link MetricsError} naming `file:line`,
 * except an unterminated last line that is not valid JSON: the remains of a crash, left out and
 * reported as `truncated` with its `tornLine`.
 */
export async function readMetrics(file: string): Promise<MetricsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    // A missing file is a run without metrics; anything else (EACCES, EIO) is the storage's fault.
    if (errnoCode(error) !== undefined && errnoCode(error) !== 'ENOENT') {
      throw new StorageError(file, 'read', error, 'no metrics were read');
    }
    throw new MetricsError(file, `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const lines = text.split('\n');
  const out: MetricsFile = { steps: [], evals: [], truncated: false };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      if (i === lines.length - 1) {
        out.truncated = true;
        out.tornLine = i + 1;
        continue;
      }
      throw new MetricsError(`${file}:${i + 1}`, `invalid JSON: ${(error as Error).message}`);
    }
    const result = METRICS_RECORD_SCHEMA.safeParse(value);
    if (!result.success) throw new MetricsError(`${file}:${i + 1}`, describeIssue(result.error.issues[0]!));
    if (result.data.kind === 'step') out.steps.push(result.data);
    else out.evals.push(result.data);
  }
  return out;
}

/**
 * Drop every record after `step` (atomically rewriting the file), so that a run resumed from the
 * checkpoint of `step` does not repeat the lines a crashed run wrote after it. Returns the lines dropped.
 */
export async function rewindMetrics(file: string, step: number): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new StorageError(
      file,
      'read',
      error,
      `the records after step ${step} were not dropped (the file is unchanged)`,
    );
  }
  const kept: string[] = [];
  let dropped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: { step?: unknown } | undefined;
    try {
      record = JSON.parse(line) as { step?: unknown };
    } catch {
      record = undefined;
    }
    // A truncated line is dropped too: it belongs to the step the crash interrupted.
    if (record !== undefined && typeof record.step === 'number' && record.step <= step) kept.push(line);
    else dropped++;
  }
  withStorage(
    file,
    'write',
    () => writeFileAtomic(file, kept.length === 0 ? '' : `${kept.join('\n')}\n`),
    `the records after step ${step} were not dropped (the file is unchanged)`,
  );
  return dropped;
}
