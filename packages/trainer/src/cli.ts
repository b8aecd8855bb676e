#!/usr/bin/env node
/**
 * The `rlvr` executable: a thin wrapper that runs {@link runCli} on the process's arguments and
 * streams, with Ctrl-C and SIGTERM handled as cli/graceful-stop.ts describes. Setting
 * `process.exitCode` (not calling `process.exit`) lets stdout drain when piped.
 */
import { installGracefulStop } from './cli/graceful-stop.js';
import { runCli } from './cli/run-cli.js';

const argv = process.argv.slice(2);
const stop = installGracefulStop({
  stderr: process.stderr,
  label: argv[0] === undefined || argv[0].startsWith('-') ? 'rlvr' : `rlvr ${argv[0]}`,
});
try {
  process.exitCode = await runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    stop: stop.handle,
  });
} finally {
  stop.dispose();
}
