/**
 * Ctrl-C and SIGTERM on the command line. A command that can stop cleanly (finish the current step,
 * save, say how to continue) claims the stop with {@link StopHandle.claim}; from then on the first
 * signal only asks it to stop, through the AbortSignal it got, and a second signal exits at once. A
 * command that never claims it exits at the first signal, as a Unix tool does. The process wrapper
 * (cli.ts) installs the handlers; commands run in-process (tests) get no handle or a test one.
 */
import { SIGNAL_EXIT_CODES, type StopSignal } from '../errors.js';
import type { CliStream } from './command.js';

/** How a command takes over Ctrl-C / SIGTERM. */
export interface StopHandle {
  /**
   * Claim the first signal: it aborts the returned AbortSignal (its `reason` is the signal's name,
   * `SIGINT` or `SIGTERM`) instead of exiting. `onStop` says what the command does then, e.g.
   * `finishing step 12 and writing a checkpoint`; it is printed when the signal arrives.
   */
  claim(onStop: string | (() => string)): AbortSignal;
}

/** The signal name an aborted stop carries, or undefined while no stop was asked for. */
export function stopReason(signal: AbortSignal | undefined): StopSignal | undefined {
  if (signal === undefined || !signal.aborted) return undefined;
  return signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
}

/** A {@link StopHandle} driven by `controller` instead of process signals (in-process callers, tests). */
export function stopHandleOf(controller: AbortController): StopHandle {
  return { claim: () => controller.signal };
}

/** What {@link installGracefulStop} returns. */
export interface InstalledStop {
  /** The handle to pass to the command. */
  handle: StopHandle;
  /** Remove the signal handlers. */
  dispose(): void;
}

/** Options of {@link installGracefulStop}. */
export interface GracefulStopOptions {
  /** Where the notices go. */
  stderr: CliStream;
  /** The prefix of the notices, e.g. `rlvr train`. */
  label: string;
  /** How to exit at once (default `process.exit`). */
  exit?: (code: number) => void;
  /** The process whose signals to handle (default `process`). */
  target?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/** Install SIGINT and SIGTERM handlers for one command; see the module comment. */
export function installGracefulStop(options: GracefulStopOptions): InstalledStop {
  const { stderr, label } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const target = options.target ?? process;
  const controller = new AbortController();
  let onStop: string | (() => string) | undefined;
  const handler = (signal: StopSignal): void => {
    if (onStop === undefined || controller.signal.aborted) {
      const what = onStop === undefined ? '' : '; the last saved state is intact';
      stderr.write(`${label}: ${signal}: stopping now${what}\n`);
      exit(SIGNAL_EXIT_CODES[signal]);
      return;
    }
    const doing = typeof onStop === 'function' ? onStop() : onStop;
    stderr.write(`${label}: ${signal}: ${doing}; send it again to stop at once\n`);
    controller.abort(signal);
  };
  const onInt = (): void => handler('SIGINT');
  const onTerm = (): void => handler('SIGTERM');
  target.on('SIGINT', onInt);
  target.on('SIGTERM', onTerm);
  return {
    handle: {
      claim(what) {
        onStop = what;
        return controller.signal;
      },
    },
    dispose() {
      target.off('SIGINT', onInt);
      target.off('SIGTERM', onTerm);
    },
  };
}
