import { TrainerError } from '../errors.js';

/** A metrics record or file that cannot be written or read (non-finite value, malformed line, bad pass@k input). */
export class MetricsError extends TrainerError {
  /** The field, argument or `file:line` at fault. */
  readonly where: string;

  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'MetricsError';
    this.where = where;
  }
}
