import { CASE_POLICIES, CASE_TASKS, loadCaseTable, policyVerifiers, runCase } from './testing/case-table.js';

// Each table is sized for its task's rules and traps.
const MINIMUM_CASES: Record<(typeof CASE_TASKS)[number], number> = { countdown: 90, gsm8k: 90, math: 150 };

describe.each(CASE_TASKS)('case table cases/%s.jsonl', (task) => {
  const cases = loadCaseTable(task);
  const verifierFor = policyVerifiers();

  it(`has at least ${MINIMUM_CASES[task]} cases with unique ids, each with a category, a known policy and a note`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(MINIMUM_CASES[task]);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const c of cases) {
      expect(c.category).toMatch(/\S/);
      expect(CASE_POLICIES[task]).toContain(c.policy);
      expect(c.note).toMatch(/\S/);
    }
  });

  it.each(cases.map((c) => [c.id, c.category, c.policy, c] as const))('%s [%s, %s]', (_id, _category, _policy, c) => {
    const { result } = runCase(verifierFor(task, c.policy), c);
    expect({ id: c.id, correct: result.correct, reward: result.reward }).toEqual({ id: c.id, ...c.expected });
  });
});
