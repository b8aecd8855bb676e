#!/usr/bin/env node
/**
 * A package's `test` script: jest first over every test file except the GPU ones (`*.gpu.test.ts`),
 * in one run, then each GPU file in a jest process of its own; one merged `test-results.json` (the
 * counts that tools/scripts/run-tests.mjs sums). Why: a process that has loaded Dawn's native addon
 * (dawn.node) and runs ONNX Runtime sessions sometimes dies at an ORT thread-pool call ("std::system_error:
 * Invalid argument", "The futex facility returned an unexpected error code", or a segfault) — measured
 * here: 4 of 9 whole-suite runs of @rlvr/kernels crashed, and a GPU-only jest run (whose workers reuse
 * one process for several files, some of which create ORT sessions) crashed in CI. One process per GPU
 * file confines Dawn and ORT to the files that need both (the cpu-vs-webgpu comparisons), which create
 * their ORT sessions before the device is used. Extra arguments are passed to every jest run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const GPU = '\\.gpu\\.test\\.ts$';
const env = {
  ...process.env,
  NODE_OPTIONS:
    `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --disable-warning=ExperimentalWarning`.trim(),
};
const extra = process.argv.slice(2);
const merged = {
  numPassedTests: 0,
  numFailedTests: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  numTotalTests: 0,
  success: true,
  testResults: [],
};
let status = 0;

// A GPU file that has not finished in this long is hung, not slow (the slowest takes ≈ 30 s on lavapipe).
const GPU_FILE_TIMEOUT_MS = 240_000;

/**
 * Whether a jest process was ended by a native crash (a signal, or the shell's 128 + signal exit code:
 * 134 SIGABRT from `std::system_error`, 139 SIGSEGV) rather than by failing tests (exit 1). CI saw one
 * such abort in @rlvr/kernels' GPU files (exit 134, no test output); like a hang, it is not reproduced
 * by a rerun, and a second crash fails.
 */
function diedNatively(run) {
  return run.signal !== null || (run.status !== null && run.status > 128);
}

/**
 * One jest process; its counts are added to `merged` (a crash without results counts as a failure).
 * With `timeoutMs`, a run that does not finish in time, or dies natively, is run once more, loudly: Dawn has
 * hung twice in a file that opens several devices (device.gpu.test.ts, no CPU used, no output), which
 * a rerun does not repeat; a second hang is a failure.
 */
function runJest(args, timeoutMs) {
  const file = 'test-results.part.json';
  rmSync(file, { force: true });
  const spawn = () =>
    spawnSync('npx', ['jest', '--passWithNoTests', '--json', `--outputFile=${file}`, ...args, ...extra], {
      stdio: 'inherit',
      env,
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
  let run = spawn();
  if (timeoutMs !== undefined && (run.error?.code === 'ETIMEDOUT' || diedNatively(run))) {
    const why =
      run.error?.code === 'ETIMEDOUT'
        ? `did not finish in ${timeoutMs / 1000} s (hung) and was killed`
        : `died natively (${run.signal ?? `exit ${run.status}`})`;
    process.stderr.write(
      `\n${'!'.repeat(100)}\njest ${args.join(' ')} ${why}; running it once more\n${'!'.repeat(100)}\n`,
    );
    rmSync(file, { force: true });
    run = spawn();
  }
  if (run.status !== 0) status = run.status ?? 1;
  if (!existsSync(file)) {
    merged.numFailedTests += 1;
    merged.success = false;
    merged.testResults.push({
      name: `jest ${args.join(' ')}`,
      assertionResults: [
        { status: 'failed', fullName: `jest process ended (${run.signal ?? `exit ${run.status}`}) without results` },
      ],
    });
    return;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  for (const key of ['numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests', 'numTotalTests']) {
    merged[key] += r[key] ?? 0;
  }
  merged.success &&= r.success;
  // Only the failed tests' names are kept: run-tests.mjs lists them at the end of the log.
  for (const suite of r.testResults ?? []) {
    const failedTests = (suite.assertionResults ?? [])
      .filter((t) => t.status === 'failed')
      .map(({ status, fullName }) => ({ status, fullName }));
    if (failedTests.length > 0 || suite.status === 'failed') {
      merged.testResults.push({
        name: suite.name,
        assertionResults:
          failedTests.length > 0
            ? failedTests
            : [{ status: 'failed', fullName: `suite failed: ${(suite.message ?? '').split('\n')[0]}` }],
      });
    }
  }
  rmSync(file, { force: true });
}

runJest(['--testPathIgnorePatterns', GPU]);
const list = spawnSync('npx', ['jest', '--listTests', '--testPathPatterns', GPU, ...extra], { env, encoding: 'utf8' });
const gpuFiles = list.stdout
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line.endsWith('.gpu.test.ts'))
  .sort();
for (const file of gpuFiles) runJest(['--forceExit', '--runTestsByPath', file], GPU_FILE_TIMEOUT_MS);
writeFileSync('test-results.json', `${JSON.stringify(merged)}\n`);
process.exit(status);
