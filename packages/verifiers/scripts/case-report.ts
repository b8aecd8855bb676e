/**
 * Runs every case of `cases/*.jsonl` through its verifier and prints the pass rate per task and
 * category as a Markdown table (the table in the package README is this script's output).
 * Usage: npx tsx --conditions=@rlvr/source scripts/case-report.ts
 */
import { defaultRegistry } from '../src/builtins.js';
import { CASE_TASKS, loadCaseTable, runCase } from '../src/testing/case-table.js';

const registry = defaultRegistry();
const rows: string[] = ['| task | category | cases | passed |', '|---|---|---|---|'];
let total = 0;
let passedTotal = 0;
for (const task of CASE_TASKS) {
  const verifier = registry.get(task);
  const byCategory = new Map<string, { cases: number; passed: number }>();
  for (const testCase of loadCaseTable(task)) {
    const { passed, result } = runCase(verifier, testCase);
    const entry = byCategory.get(testCase.category) ?? { cases: 0, passed: 0 };
    entry.cases += 1;
    entry.passed += passed ? 1 : 0;
    byCategory.set(testCase.category, entry);
    if (!passed) console.error(`FAIL ${testCase.id}: expected ${JSON.stringify(testCase.expected)}, got ${JSON.stringify(result)}`);
  }
  for (const [category, { cases, passed }] of [...byCategory].sort()) {
    rows.push(`| ${task} | ${category} | ${cases} | ${passed} (${((100 * passed) / cases).toFixed(0)}%) |`);
    total += cases;
    passedTotal += passed;
  }
}
rows.push(`| **all** | | **${total}** | **${passedTotal} (${((100 * passedTotal) / total).toFixed(1)}%)** |`);
console.log(rows.join('\n'));
