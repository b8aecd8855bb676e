import { CoreError } from '@rlvr/core';
import { KernelsError, NonFiniteGradientError } from '@rlvr/kernels';
import { GenerationError, SamplerError } from '@rlvr/sampler';
import { VerifierError } from '@rlvr/verifiers';
import { WeightsError } from '@rlvr/weights';
import { ConfigError } from '../config/config-error.js';
import {
  DivergenceError,
  InterruptedError,
  SIGNAL_EXIT_CODES,
  StorageError,
  TrainerError,
  errnoCode,
} from '../errors.js';

/** Exit code of an unexpected error: a bug (printed as `unexpected error: …`). */
export const INTERNAL_EXIT_CODE = 1;
/** Exit code of a usage error (bad flag, bad value), as in most Unix tools. */
export const USAGE_EXIT_CODE = 2;
/** Exit code of an input that cannot be used: a dataset, model, checkpoint, metrics file or device. */
export const INPUT_EXIT_CODE = 3;
/** Exit code of a storage failure: a file or directory that cannot be read, written or removed. */
export const STORAGE_EXIT_CODE = 4;
/** Exit code of a run stopped because training diverged. */
export const DIVERGENCE_EXIT_CODE = 5;

/**
 * An error meant for the user: its message is printed as one line on stderr (never a stack trace)
 * and the process exits with `exitCode`.
 */
export class CliError extends TrainerError {
  /** The flag at fault (e.g. `--group-size`), when there is one. */
  readonly flag: string | undefined;
  /** Process exit code; {@link USAGE_EXIT_CODE} unless said otherwise. */
  readonly exitCode: number;

  constructor(flag: string | undefined, message: string, exitCode: number = USAGE_EXIT_CODE) {
    super(flag === undefined ? message : `${flag}: ${message}`);
    this.name = 'CliError';
    this.flag = flag;
    this.exitCode = exitCode;
  }
}

/**
 * How @rlvr/weights names its arguments → the flag a user typed. Library names are camelCase API
 * names; a message must point at what is on the command line.
 */
const FLAG_OF_ARGUMENT: Readonly<Record<string, string>> = {
  groupSize: '--group-size',
  rewards: '--rewards',
  weighting: '--weighting',
  zeroVariance: '--zero-variance',
  binarizeThreshold: '--binarize',
  threshold: '--threshold',
  'weighting.threshold': '--threshold',
  std: '--std',
  'weighting.std': '--std',
  epsilon: '--epsilon',
  'weighting.epsilon': '--epsilon',
  a: '--cost-a',
  'weighting.a': '--cost-a',
  b: '--cost-b',
  'weighting.b': '--cost-b',
  rho0: '--rho0',
  target: '--target',
};

/** One row of {@link EXIT_CODES}: the errors it matches and their exit code. */
export interface ExitCodeRule {
  /** The error class, for documentation and tests. */
  readonly name: string;
  /** Whether `error` is of that class (by the package's `isInstance` where it has one, so duplicate installs match). */
  readonly matches: (error: unknown) => boolean;
  /** The exit code, or how to read it off the error (a signal's). */
  readonly exitCode: number | ((error: unknown) => number);
}

/** The documented exit codes, in the order `rlvr --help` and the README list them. */
export const EXIT_CODE_TABLE: readonly { code: string; meaning: string }[] = [
  { code: '0', meaning: 'success' },
  { code: '1', meaning: 'unexpected error (a bug: printed as `unexpected error: …`)' },
  {
    code: '2',
    meaning:
      'usage: a flag, value or training config refused; an output that is an input; a run or model directory in use',
  },
  { code: '3', meaning: 'input: a dataset, model, checkpoint, metrics file or device that cannot be used' },
  { code: '4', meaning: 'storage: a file or directory that cannot be read, written or removed (full disk, read-only)' },
  { code: '5', meaning: 'divergence: training stopped before a bad step or checkpoint' },
  { code: '130 / 143', meaning: 'interrupted by SIGINT (Ctrl-C) / SIGTERM, after saving what could be saved' },
];

/**
 * The one table of exit codes: the first row that matches an error gives its code (so a subclass
 * comes before its base). A {@link CliError} carries its own code (the command that raised it knows
 * whether the command line was at fault); an error that matches no row is unexpected (a bug, or a
 * failure of the environment): exit 1, printed as `unexpected error: …`.
 */
export const EXIT_CODES: readonly ExitCodeRule[] = [
  // The command line's fault: a flag value a library refused, a bad training config, a bad sampling option.
  { name: 'WeightsError', matches: (e) => WeightsError.isInstance(e), exitCode: USAGE_EXIT_CODE },
  { name: 'ConfigError', matches: (e) => e instanceof ConfigError, exitCode: USAGE_EXIT_CODE },
  { name: 'GenerationError', matches: (e) => e instanceof GenerationError, exitCode: USAGE_EXIT_CODE },
  // Stopped by the user, by divergence, or by the file system.
  {
    name: 'InterruptedError',
    matches: (e) => InterruptedError.isInstance(e),
    exitCode: (e) => SIGNAL_EXIT_CODES[(e as InterruptedError).signal],
  },
  { name: 'DivergenceError', matches: (e) => DivergenceError.isInstance(e), exitCode: DIVERGENCE_EXIT_CODE },
  {
    name: 'NonFiniteGradientError',
    matches: (e) => NonFiniteGradientError.isInstance(e),
    exitCode: DIVERGENCE_EXIT_CODE,
  },
  { name: 'StorageError', matches: (e) => StorageError.isInstance(e), exitCode: STORAGE_EXIT_CODE },
  // A file-system error no caller wrapped (ENOSPC, EACCES, …) is the environment's, not a bug.
  { name: 'file-system error', matches: (e) => errnoCode(e) !== undefined, exitCode: STORAGE_EXIT_CODE },
  // Not the command line's fault: a dataset, checkpoint (e.g. `--resume` of a directory without one),
  // metrics file, model or device could not be used, or one of the trainer's own argument checks below
  // the config refused a value.
  { name: 'TrainerError', matches: (e) => TrainerError.isInstance(e), exitCode: INPUT_EXIT_CODE },
  { name: 'SamplerError', matches: (e) => SamplerError.isInstance(e), exitCode: INPUT_EXIT_CODE },
  { name: 'KernelsError', matches: (e) => KernelsError.isInstance(e), exitCode: INPUT_EXIT_CODE },
  { name: 'CoreError', matches: (e) => CoreError.isInstance(e), exitCode: INPUT_EXIT_CODE },
  { name: 'VerifierError', matches: (e) => VerifierError.isInstance(e), exitCode: INPUT_EXIT_CODE },
];

/** The exit code a row gives `error`. */
function ruleExitCode(rule: ExitCodeRule, error: unknown): number {
  return typeof rule.exitCode === 'function' ? rule.exitCode(error) : rule.exitCode;
}

/**
 * The {@link CliError} an error becomes on the command line: a CliError as it is, a `WeightsError`
 * with its argument translated to the flag (e.g. `groupSize` → `--group-size`, `rewards[4]` →
 * `--rewards` entry 5), any other error of {@link EXIT_CODES} with its message and the table's code;
 * anything else is returned unchanged (unexpected).
 */
export function toCliError(error: unknown): unknown {
  if (error instanceof CliError) return error;
  const rule = EXIT_CODES.find((r) => r.matches(error));
  if (rule === undefined) return error;
  const exitCode = ruleExitCode(rule, error);
  if (WeightsError.isInstance(error)) return weightsCliError(error, exitCode);
  if (errnoCode(error) !== undefined && !TrainerError.isInstance(error)) {
    // Node's message already names the operation and the path (`ENOSPC: no space left on device, write`).
    return new CliError(undefined, `storage: ${(error as Error).message}`, exitCode);
  }
  return new CliError(undefined, (error as Error).message, exitCode);
}

/** The exit code {@link EXIT_CODES} gives `error` (1 for an unexpected one). */
export function exitCodeOf(error: unknown): number {
  const mapped = toCliError(error);
  return mapped instanceof CliError ? mapped.exitCode : INTERNAL_EXIT_CODE;
}

/** A `WeightsError` as a CliError naming the flag the user typed. */
function weightsCliError(error: WeightsError, exitCode: number): CliError {
  const argument = error.argument;
  // The library prefixes its message with the argument name; the CLI prefixes the flag instead.
  const detail = error.message.startsWith(`${argument}: `) ? error.message.slice(argument.length + 2) : error.message;
  const entry = /^rewards\[(\d+)\]$/.exec(argument);
  if (entry) return new CliError('--rewards', `entry ${Number(entry[1]) + 1}: ${detail}`, exitCode);
  const flag = FLAG_OF_ARGUMENT[argument];
  return new CliError(flag ?? argument, detail, exitCode);
}
