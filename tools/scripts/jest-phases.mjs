#!/usr/bin/env node
/**
 * A package's `test` script: jest in two separate processes, first every test file except the GPU
 * ones (`*.gpu.test.ts`), then the GPU files, and one merged `test-results.json` (the counts that
 * tools/scripts/run-tests.mjs sums). Why two processes: jest reuses a worker process for several test
 * files, and a process that has loaded Dawn's native addon (dawn.node) and then runs ONNX Runtime
 * sessions of later files sometimes dies at a thread-pool call ("std::system_error: Invalid argument",
 * or a segfault) — measured on this machine: 4 of 9 whole-suite runs of @rlvr/kernels crashed, 0 of 5 split runs.
 * GPU files that need both (the cpu-vs-webgpu comparisons) create ORT sessions in the same file and
 * have not crashed; keeping every ORT-only file out of Dawn's processes removes the rest.
 * Extra arguments are passed to both jest runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const GPU = '\\.gpu\\.test\\.ts$';
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --disable-warning=ExperimentalWarning`.trim() };
const phases = [
  { file: 'test-results.cpu.json', args: ['--testPathIgnorePatterns', GPU] },
  { file: 'test-results.gpu.json', args: ['--testPathPatterns', GPU] },
];
let status = 0;
const merged = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, numTotalTests: 0, success: true };
for (const phase of phases) {
  rmSync(phase.file, { force: true });
  const run = spawnSync('npx', ['jest', '--passWithNoTests', '--json', `--outputFile=${phase.file}`, ...phase.args, ...process.argv.slice(2)], { stdio: 'inherit', env });
  if (run.status !== 0) status = run.status ?? 1;
  if (!existsSync(phase.file)) {
    // A crashed jest writes no results: count it as a failure so the summary cannot look green.
    merged.numFailedTests += 1;
    merged.success = false;
    continue;
  }
  const r = JSON.parse(readFileSync(phase.file, 'utf8'));
  for (const key of ['numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests', 'numTotalTests']) merged[key] += r[key] ?? 0;
  merged.success &&= r.success;
  rmSync(phase.file, { force: true });
}
writeFileSync('test-results.json', `${JSON.stringify(merged)}\n`);
process.exit(status);
