/**
 * Raw dataset records from JSONL or parquet files in the public Hugging Face layouts (one JSON
 * object per line; parquet as `datasets` writes it, nested lists included, via hyparquet). A record
 * that cannot be read (bad JSON, not an object) is returned as a problem with its line number rather
 * than thrown, so that the caller's malformed-record policy decides.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { DatasetError } from './dataset-error.js';

/** One record: its 1-based line (JSONL) or row (parquet) and either its value or why it is unreadable. */
export type RawRecord = { line: number; value: Record<string, unknown> } | { line: number; problem: string };

/** A concrete dataset file format. */
export type RecordFormat = 'jsonl' | 'parquet';

/** The format of `file`: given explicitly, or by extension for `auto` (`.jsonl`/`.json` → jsonl, `.parquet` → parquet). */
export function recordFormat(file: string, format: 'auto' | RecordFormat): RecordFormat {
  if (format !== 'auto') return format;
  const extension = extname(file).toLowerCase();
  if (extension === '.jsonl' || extension === '.json') return 'jsonl';
  if (extension === '.parquet') return 'parquet';
  throw new DatasetError(
    file,
    undefined,
    `cannot tell the format from the extension ${JSON.stringify(extension)}; expected .jsonl, .json or .parquet, or set task.format`,
  );
}

/** Every record of a JSONL or parquet file (read whole: datasets are shuffled and split in memory). */
export async function readRecords(file: string, format: 'auto' | RecordFormat = 'auto'): Promise<RawRecord[]> {
  return recordFormat(file, format) === 'jsonl' ? await readJsonlRecords(file) : await readParquetRecords(file);
}

function cannotRead(file: string, error: unknown): DatasetError {
  return new DatasetError(
    file,
    undefined,
    `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message ?? String(error)}`,
  );
}

/**
 * Records of a JSONL file. Lines holding only whitespace are ignored (a trailing newline, blank
 * separators) and do not count as records; a `\r` before the newline is dropped.
 */
export async function readJsonlRecords(file: string): Promise<RawRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw cannotRead(file, error);
  }
  const records: RawRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      records.push({ line: index + 1, problem: `invalid JSON: ${(error as Error).message}` });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      records.push({ line: index + 1, problem: `expected a JSON object, got ${JSON.stringify(value).slice(0, 60)}` });
      return;
    }
    records.push({ line: index + 1, value: value as Record<string, unknown> });
  });
  return records;
}

/**
 * Records of a parquet file, one per row (row numbers are 1-based). INT64 columns arrive from
 * hyparquet as bigint and are turned into numbers when they are safe integers; a larger one makes
 * the record malformed rather than silently rounded.
 */
export async function readParquetRecords(file: string): Promise<RawRecord[]> {
  let rows: Record<string, unknown>[];
  try {
    const buffer = await asyncBufferFromFile(file);
    rows = await parquetReadObjects({ file: buffer });
  } catch (error) {
    throw cannotRead(file, error);
  }
  return rows.map((row, index) => {
    try {
      return { line: index + 1, value: withNumbers(row) as Record<string, unknown> };
    } catch (error) {
      return { line: index + 1, problem: (error as Error).message };
    }
  });
}

function withNumbers(value: unknown, path = ''): unknown {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new Error(`${path || 'value'}: integer ${value} is beyond 2^53 and cannot be read exactly`);
    }
    return Number(value);
  }
  if (Array.isArray(value)) return value.map((item, i) => withNumbers(item, `${path}[${i}]`));
  if (ArrayBuffer.isView(value)) {
    return value instanceof DataView
      ? value
      : Array.from(value as unknown as ArrayLike<number | bigint>, (item, i) => withNumbers(item, `${path}[${i}]`));
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, withNumbers(item, path === '' ? key : `${path}.${key}`)]),
    );
  }
  return value;
}
