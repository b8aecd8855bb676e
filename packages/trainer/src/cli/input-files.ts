/**
 * Input files of the commands, checked before any output is created, so that a typo in an input path
 * never truncates or creates an output: an input that cannot be read is an input error (exit 3)
 * naming the flag, the path and why.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { describeErrno } from '../errors.js';
import { CliError, INPUT_EXIT_CODE } from './cli-error.js';

/** Throw an input error (exit 3) unless `path` is a readable file, FIFO or character device (`<(…)`, /dev/stdin). */
export function requireReadableFile(flag: string, path: string): void {
  try {
    const stats = statSync(path);
    if (!(stats.isFile() || stats.isFIFO() || stats.isCharacterDevice())) {
      throw new CliError(flag, `${path} is not a file`, INPUT_EXIT_CODE);
    }
    accessSync(path, constants.R_OK);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(flag, `cannot read ${path}: ${describeErrno(error)}`, INPUT_EXIT_CODE);
  }
}
