import type { StopHandle } from './graceful-stop.js';

/** Where a command writes: anything with a `write(text)` method (process streams, or a capture in tests). */
export interface CliStream {
  /** Write a chunk of text. */
  write(text: string): unknown;
}

/** The output streams a command runs with; injected so that commands run in-process in tests. */
export interface CliIo {
  /** Results: JSON, tables, file paths. */
  stdout: CliStream;
  /** Usage errors and diagnostics. */
  stderr: CliStream;
  /** Ctrl-C / SIGTERM, for a command that can stop cleanly (graceful-stop.ts); absent in-process. */
  stop?: StopHandle;
  /** What an input given as `-` reads (standard-input.ts); the process's standard input when absent. */
  stdin?: NodeJS.ReadableStream;
}

/** One `rlvr` subcommand; each lives in its own module under `src/commands/`. */
export interface Command {
  /** The word after `rlvr`, e.g. `weights`. */
  readonly name: string;
  /** One line for `rlvr --help`. */
  readonly summary: string;
  /** The full text of `rlvr <name> --help`. */
  help(): string;
  /**
   * Run with the arguments after the command name and return the exit code. A user error is thrown
   * as a {@link CliError} (or a `WeightsError`), which the dispatcher turns into one line on stderr.
   */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
