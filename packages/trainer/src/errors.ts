/** Marker that survives duplicate installs of the package (see {@link TrainerError.isInstance}). */
const MARKER = Symbol.for('@rlvr/trainer/error');
/** Marker of {@link DivergenceError}, for the same reason. */
const DIVERGENCE = Symbol.for('@rlvr/trainer/error/divergence');

/**
 * The base of every error @rlvr/trainer throws on purpose (bad configs, datasets, checkpoints, metrics
 * files, runs that diverged, command-line errors), so a caller can tell them from other errors with one
 * check that works across installs.
 */
export class TrainerError extends Error {
  private readonly [MARKER] = true;

  /** True for an error of this package (any subclass, any installed copy). */
  static isInstance(value: unknown): value is TrainerError {
    return typeof value === 'object' && value !== null && MARKER in value;
  }
}

/**
 * Training diverged: a non-finite loss or gradient norm. The optimizer step that would have applied it
 * is refused where it can be (a non-finite loss, a non-finite norm when clipping), and no checkpoint is
 * written after it; the message names the step and the last checkpoint once the run has caught it.
 */
export class DivergenceError extends TrainerError {
  override readonly name = 'DivergenceError';
  private readonly [DIVERGENCE] = true;

  /** True for a DivergenceError from any installed copy of this package. */
  static override isInstance(value: unknown): value is DivergenceError {
    return typeof value === 'object' && value !== null && DIVERGENCE in value;
  }
}

/** Marker of {@link StorageError}. */
const STORAGE = Symbol.for('@rlvr/trainer/error/storage');
/** Marker of {@link InterruptedError}. */
const INTERRUPTED = Symbol.for('@rlvr/trainer/error/interrupted');

/** What a storage operation was doing when it failed. */
export type StorageOperation = 'read' | 'write' | 'create' | 'remove' | 'rename' | 'append' | 'check';

/** Plain words for the file-system error codes users meet (the code itself is always shown as well). */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  ENAMETOOLONG: 'file name too long',
};

/** The `code` of a Node file-system error (`ENOSPC`, `EACCES`, …), or undefined for anything else. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** `no space left on the device (ENOSPC)` for a file-system error; the message for anything else. */
export function describeErrno(error: unknown): string {
  const code = errnoCode(error);
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  return `${ERRNO_WORDS[code] ?? (error as Error).message} (${code})`;
}

/**
 * A file could not be read, written, created, renamed or removed: names the path, the operation, the
 * cause in plain words with its code, and what was or was not saved (`consequence`), so that a full
 * disk or a read-only directory never reads like a bug. Exit code 4 on the command line.
 */
export class StorageError extends TrainerError {
  override readonly name = 'StorageError';
  private readonly [STORAGE] = true;
  /** The file or directory at fault. */
  readonly path: string;
  /** What was being done to it. */
  readonly operation: StorageOperation;
  /** The file-system error code (`ENOSPC`, `EACCES`, …), when there is one. */
  readonly code: string | undefined;

  constructor(path: string, operation: StorageOperation, cause: unknown, consequence?: string) {
    super(`cannot ${operation} ${path}: ${describeErrno(cause)}${consequence ? `; ${consequence}` : ''}`, { cause });
    this.path = path;
    this.operation = operation;
    this.code = errnoCode(cause);
  }

  /** True for a StorageError from any installed copy of this package. */
  static override isInstance(value: unknown): value is StorageError {
    return typeof value === 'object' && value !== null && STORAGE in value;
  }
}

/**
 * Run `action` on `path`; a file-system error it throws becomes a {@link StorageError} naming the path,
 * the operation and `consequence`. Errors that are not file-system errors pass through unchanged.
 */
export function withStorage<T>(path: string, operation: StorageOperation, action: () => T, consequence?: string): T {
  try {
    return action();
  } catch (error) {
    if (errnoCode(error) === undefined) throw error;
    throw new StorageError(path, operation, error, consequence);
  }
}

/** The signals that stop a run gracefully, and their conventional exit codes (128 + signal number). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
/** A signal {@link InterruptedError} reports. */
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/**
 * The user stopped the work with a signal (Ctrl-C is SIGINT). The message says what was saved and how
 * to continue; exit code 130 for SIGINT, 143 for SIGTERM.
 */
export class InterruptedError extends TrainerError {
  override readonly name = 'InterruptedError';
  private readonly [INTERRUPTED] = true;
  /** The signal received. */
  readonly signal: StopSignal;

  constructor(signal: StopSignal, message: string) {
    super(message);
    this.signal = signal;
  }

  /** True for an InterruptedError from any installed copy of this package. */
  static override isInstance(value: unknown): value is InterruptedError {
    return typeof value === 'object' && value !== null && INTERRUPTED in value;
  }
}
