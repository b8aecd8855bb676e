import { describeErrno, TrainerError } from '../errors.js';

/**
 * A training configuration that cannot be used: bad JSON, an unknown field, or a value outside what
 * the field allows (a file that cannot be read is a {@link ConfigFileError}). Raised before any work starts, and the message
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

/**
 * A configuration file that cannot be read (missing, a directory, no permission): an input error (exit 3
 * on the command line), not a bad configuration; names the file and the cause with its errno code.
 */
export class ConfigFileError extends TrainerError {
  /** The file that could not be read. */
  readonly file: string;
  /** The errno code (`ENOENT`, `EISDIR`, `EACCES`), when the system gave one (not `code`, which would read as a storage error). */
  readonly errno: string | undefined;

  constructor(file: string, cause: unknown) {
    super(`cannot read config file ${file}: ${describeErrno(cause)}`);
    this.name = 'ConfigFileError';
    this.file = file;
    this.errno = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}
