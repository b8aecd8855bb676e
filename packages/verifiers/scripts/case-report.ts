/**
 * Runs every case of `cases/*.jsonl` through its verifier under the case's policy and prints the
 * pass rate per task, category and policy as a Markdown table (the table in the package README is
 * this script's output).
 * Usage: npx tsx --conditions=@rlvr/source scripts/case-report.ts
 */
import { CASE_TASKS, loadCaseTable, policyVerifiers, runCase } from '../src/testing/case-table.js';

const verifierFor = policyVerifiers();
const rows: string[] = ['| task | category | policy | cases | passed |', '|---|---|---|---|---|'];
let total = 0;
let passedTotal = 0;
for (const task of CASE_TASKS) {
  const byGroup = new Map<string, { category: string; policy: string; cases: number; passed: number }>();
  for (const testCase of loadCaseTable(task)) {
    const { passed, result } = runCase(verifierFor(task, testCase.policy), testCase);
    const key = `${testCase.category}\u0000${testCase.policy}`;
    const entry = byGroup.get(key) ?? { category: testCase.category, policy: testCase.policy, cases: 0, passed: 0 };
    entry.cases += 1;
    entry.passed += passed ? 1 : 0;
    byGroup.set(key, entry);
    if (!passed) {
      console.error(
        `FAIL ${testCase.id}: expected ${JSON.stringify(testCase.expected)}, got ${JSON.stringify(result)}`,
      );
    }
  }
  for (const { category, policy, cases, passed } of [...byGroup.values()].sort(
    (a, b) => a.category.localeCompare(b.category) || a.policy.localeCompare(b.policy),
  )) {
    rows.push(`| ${task} | ${category} | ${policy} | ${cases} | ${passed} (${((100 * passed) / cases).toFixed(0)}%) |`);
    total += cases;
    passedTotal += passed;
  }
}
rows.push(`| **all** | | | **${total}** | **${passedTotal} (${((100 * passedTotal) / total).toFixed(1)}%)** |`);
console.log(rows.join('\n'));
