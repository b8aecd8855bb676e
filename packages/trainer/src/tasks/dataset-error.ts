import { TrainerError } from '../errors.js';

/**
 * A dataset that cannot be used: an unreadable file, or a malformed record when the policy is
 * `error`. The message names the file and the 1-based line (JSONL) or row (parquet).
 */
export class DatasetError extends TrainerError {
  /** The file at fault. */
  readonly file: string;
  /** 1-based line (JSONL) or row (parquet) number; undefined for a problem with the file as a whole. */
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, message: string) {
    super(line === undefined ? `${file}: ${message}` : `${file}:${line}: ${message}`);
    this.name = 'DatasetError';
    this.file = file;
    this.line = line;
  }
}
