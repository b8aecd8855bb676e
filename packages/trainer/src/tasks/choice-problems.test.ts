import { TrainerError } from '../errors.js';
import { choiceProblemSpace, choiceProblems, CHOICE_RULES } from './choice-problems.js';

describe('choice problems', () => {
  test.each(CHOICE_RULES)('%s: deterministic, distinct, answers in 0 … K−1', (rule) => {
    const a = choiceProblems({ rule, choices: 40, count: 200, seed: 3 });
    expect(choiceProblems({ rule, choices: 40, count: 200, seed: 3 })).toEqual(a);
    expect(choiceProblems({ rule, choices: 40, count: 200, seed: 4 })).not.toEqual(a);
    expect(new Set(a.map((p) => p.prompt)).size).toBe(200);
    for (const p of a) {
      const answer = Number(p.answer);
      expect(Number.isInteger(answer) && answer >= 0 && answer < 40 && String(answer) === p.answer).toBe(true);
    }
  });

  test('hidden: items 0 … n−1, answers spread over the K choices', () => {
    const problems = choiceProblems({ rule: 'hidden', choices: 40, count: 4000, seed: 1 });
    expect(problems.slice(0, 3).map((p) => p.prompt)).toEqual(['item 0 =', 'item 1 =', 'item 2 =']);
    const counts = new Array(40).fill(0);
    for (const p of problems) counts[Number(p.answer)]++;
    // 100 expected per answer; a uniform draw stays well inside 50 … 150.
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(150);
  });

  test('copy: the answer is the starred number; mod-sum: (a + b) mod K', () => {
    for (const p of choiceProblems({ rule: 'copy', choices: 40, count: 100, seed: 2 })) {
      const starred = p.prompt.match(/\*(\d+)/);
      expect(p.prompt).toMatch(/^pick( \*?\d+){4} =$/);
      expect(starred?.[1]).toBe(p.answer);
    }
    for (const p of choiceProblems({ rule: 'mod-sum', choices: 40, count: 100, seed: 2 })) {
      const [, a, b, k] = p.prompt.match(/^(\d+) \+ (\d+) mod (\d+) =$/)!;
      expect(Number(p.answer)).toBe((Number(a) + Number(b)) % Number(k));
    }
  });

  test('draws every problem of a small space, and refuses more', () => {
    expect(choiceProblemSpace('mod-sum', 5)).toBe(25);
    expect(choiceProblems({ rule: 'mod-sum', choices: 5, count: 25, seed: 1 })).toHaveLength(25);
    expect(() => choiceProblems({ rule: 'mod-sum', choices: 5, count: 26, seed: 1 })).toThrow(TrainerError);
    expect(() => choiceProblems({ rule: 'hidden', choices: 1, count: 5, seed: 1 })).toThrow(/choices/);
    expect(() => choiceProblems({ rule: 'hidden', choices: 40, count: 0, seed: 1 })).toThrow(/count/);
  });
});
