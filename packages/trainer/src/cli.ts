#!/usr/bin/env node
/**
 * The `rlvr` executable: a thin wrapper that runs {@link runCli} on the process's arguments and
 * streams. Setting `process.exitCode` (not calling `process.exit`) lets stdout drain when piped.
 */
import { runCli } from './cli/run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
