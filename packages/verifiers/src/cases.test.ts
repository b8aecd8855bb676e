import { defaultRegistry } from './builtins.js';
import { CASE_TASKS, loadCaseTable, runCase } from './testing/case-table.js';

// The issue asks for ≥ 300 cases in all; each table is sized for its task's rules and traps.
const MINIMUM_CASES: Record<(typeof CASE_TASKS)[number], number> = { countdown: 90, gsm8k: 90, math: 150 };

describe.each(CASE_TASKS)('case table cases/%s.jsonl', (task) => {
  const cases = loadCaseTable(task);
  const verifier = defaultRegistry().get(task);

  it(`has at least ${MINIMUM_CASES[task]} cases with unique ids, each with a category and a note`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(MINIMUM_CASES[task]);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const c of cases) {
      expect(c.category).toMatch(/\S/);
      expect(c.note).toMatch(/\S/);
    }
  });

  it.each(cases.map((c) => [c.id, c.category, c] as const))('%s [%s]', (_id, _category, c) => {
    const { result } = runCase(verifier, c);
    expect({ id: c.id, correct: result.correct, reward: result.reward }).toEqual({ id: c.id, ...c.expected });
  });
});
