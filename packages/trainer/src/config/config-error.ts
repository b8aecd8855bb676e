import { TrainerError } from '../errors.js';

/**
 * A training configuration that cannot be used: a missing or unreadable file, bad JSON, an unknown
 * field, or a value outside what the field allows. Raised before any work starts, and the message
 * always names the field (dotted path), the value given and what is allowed.
 */
export class ConfigError extends TrainerError {
  /** Dotted path of the field at fault (`optim.lr`), or `''` for the file as a whole. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(field === '' ? message : `${field}: ${message}`);
    this.name = 'ConfigError';
    this.field = field;
  }
}
