#!/usr/bin/env node
/**
 * The repository's test command: build, typecheck, lint and test every package through Nx, then
 * print one closing line summing the jest results of all packages ("N passed, N failed"), so that
 * a reader of the log (or CI) sees how many tests ran without scrolling through each package.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const packagesDir = join(root, 'packages');
const resultFiles = readdirSync(packagesDir).map((name) => join(packagesDir, name, 'test-results.json'));
// Stale results must not be counted: Nx writes them anew, or restores them from its cache.
for (const file of resultFiles) rmSync(file, { force: true });

// In CI every task runs (no results replayed from Nx's cache, which lives outside the checkout) and
// prints its output (static), so a failure's log is there without a rerun.
const ciFlags = process.env.CI ? ['--output-style=static', '--skip-nx-cache'] : [];
// Files outside the packages (tools, CI, root configs) are formatted too; each package's lint checks its own.
const format = spawnSync('npx', ['prettier', '--check', 'tools', '.ci', '*.js', '*.json'], {
  cwd: root,
  stdio: 'inherit',
});
const nx = spawnSync(
  'npx',
  ['nx', 'run-many', '-t', 'build', 'typecheck', 'lint', 'test', '--parallel=2', ...ciFlags, ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);

let passed = 0;
let failed = 0;
let skipped = 0;
const failedNames = [];
for (const file of resultFiles) {
  if (!existsSync(file)) continue;
  const result = JSON.parse(readFileSync(file, 'utf8'));
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  skipped += result.numPendingTests + (result.numTodoTests ?? 0);
  for (const suite of result.testResults ?? []) {
    for (const test of suite.assertionResults ?? []) {
      if (test.status === 'failed') failedNames.push(`${suite.name}: ${test.fullName}`);
    }
  }
}
const status = (nx.status ?? 1) || (format.status ?? 1);
if (format.status !== 0) {
  console.log('Some files outside the packages are not formatted: run `npx prettier --write .`.');
}
if (status !== 0 && failed === 0) console.log('Some build, typecheck, lint or test target failed (see above).');
// Named again at the very end: a CI log is often read from its tail, far below the failure itself.
for (const name of failedNames) console.log(`failed: ${name}`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(status);
