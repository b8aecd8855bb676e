import { WeightsError } from '@rlvr/weights';

/** Exit code of a usage error (bad flag, bad value), as in most Unix tools. */
export const USAGE_EXIT_CODE = 2;
/** Exit code of a failure that is not the command line's fault (e.g. a file that cannot be written). */
export const FAILURE_EXIT_CODE = 1;

/**
 * An error meant for the user: its message is printed as one line on stderr (never a stack trace)
 * and the process exits with `exitCode`.
 */
export class CliError extends Error {
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

/**
 * Turn a `WeightsError` into a {@link CliError} naming the flag (e.g. `groupSize` → `--group-size`,
 * `rewards[4]` → `--rewards` entry 5); anything else is returned unchanged.
 */
export function toCliError(error: unknown): unknown {
  if (!WeightsError.isInstance(error)) return error;
  const argument = error.argument;
  // The library prefixes its message with the argument name; the CLI prefixes the flag instead.
  const detail = error.message.startsWith(`${argument}: `) ? error.message.slice(argument.length + 2) : error.message;
  const entry = /^rewards\[(\d+)\]$/.exec(argument);
  if (entry) return new CliError('--rewards', `entry ${Number(entry[1]) + 1}: ${detail}`);
  const flag = FLAG_OF_ARGUMENT[argument];
  return new CliError(flag ?? argument, detail);
}
