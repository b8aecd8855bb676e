/**
 * A real `rlvr` process for the fault tests: the CLI run from source (as the package's bin runs it
 * after a build), its output collected, and a signal sent the moment a polled condition holds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const WGSL = fileURLToPath(new URL('../../kernels/bench/register-wgsl.mjs', import.meta.url));

/** A running `rlvr` child: its exit, and what it wrote so far. */
export interface RlvrProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: () => string;
  stderr: () => string;
}

/** `rlvr ARGS` in a child process. */
export function spawnRlvr(args: string[]): RlvrProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', WGSL, '--conditions=@rlvr/source', CLI, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/**
 * Send `signal` to `proc` as soon as `ready()` holds, polled every `intervalMs`; rejects if the process
 * ends first.
 */
export function signalWhen(
  proc: RlvrProcess,
  signal: NodeJS.Signals,
  ready: () => boolean,
  intervalMs = 1,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (ready()) {
        clearInterval(poll);
        proc.child.kill(signal);
        resolve();
      }
    }, intervalMs);
    void proc.exited.then(() => {
      clearInterval(poll);
      reject(new Error(`the process ended before ${signal}: ${proc.stderr()}`));
    });
  });
}
