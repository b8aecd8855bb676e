/**
 * Raw dataset records from JSONL or parquet files in the public Hugging Face layouts (one JSON
 * object per line, or one JSON array of objects as DeepScaleR publishes; parquet as `datasets`
 * writes it, nested lists and structs included, via hyparquet). A record
 * that cannot be read (bad JSON, not an object) is returned as a problem with its line number rather
 * than thrown, so that the caller's malformed-record policy decides.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { DatasetError } from './dataset-error.js';

/** One record: its 1-based line (JSONL), item (JSON array) or row (parquet) and either its value or why it is unreadable. */
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

/** A parsed JSON value as a record numbered `line`, or the problem with it. */
function jsonRecord(line: number, value: unknown): RawRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { line, problem: `expected a JSON object, got ${JSON.stringify(value).slice(0, 60)}` };
  }
  return { line, value: value as Record<string, unknown> };
}

/** The items of a file that is one JSON array as a whole, or null when it is not (then it is read as JSONL). */
function jsonArray(text: string): unknown[] | null {
  if (!text.trimStart().startsWith('[')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Records of a JSONL file. Lines holding only whitespace are ignored (a trailing newline, blank
 * separators) and do not count as records; a `\r` before the newline is dropped. A file that is one
 * JSON array as a whole is read item by item instead, numbered from 1.
 */
export async function readJsonlRecords(file: string): Promise<RawRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw cannotRead(file, error);
  }
  const array = jsonArray(text);
  if (array !== null) return array.map((value, index) => jsonRecord(index + 1, value));
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
    records.push(jsonRecord(index + 1, value));
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
