import { builtInVerifiers } from './builtins.js';
import { checkDeadline, endDeadline, isDeadlineError, remainingMs, startDeadline } from './deadline.js';

/** One long completion per built-in that reaches its loops (many expressions, phrases, a parse). */
const LONG: Record<string, { completion: string; reference: unknown }> = {
  countdown: { completion: `<answer>${'1 + '.repeat(2000)}1</answer>`, reference: { target: 5, nums: [1, 2, 3] } },
  gsm8k: { completion: `${'The answer is 3. '.repeat(2000)}#### 4`, reference: '4' },
  math: { completion: `${'The answer is $3$. '.repeat(2000)}`, reference: '3' },
  'math-flexible': { completion: `${'We get $x = 3$ and 7. '.repeat(2000)}`, reference: '3' },
};

afterEach(() => {
  endDeadline();
});

describe('deadline', () => {
  test('without a deadline every check is a no-op and nothing fires', () => {
    for (let i = 0; i < 1000; i++) checkDeadline();
    expect(remainingMs()).toBe(Infinity);
    expect(endDeadline()).toBe(false);
  });

  test('past the deadline the first check throws, and so does every later one', () => {
    startDeadline(-1);
    let thrown = 0;
    for (let i = 0; i < 10; i++) {
      try {
        checkDeadline();
      } catch (error) {
        expect(isDeadlineError(error)).toBe(true);
        thrown++;
      }
    }
    expect(thrown).toBe(10);
    expect(endDeadline()).toBe(true);
    // Ended: checks are no-ops again.
    expect(() => checkDeadline()).not.toThrow();
  });

  test('a far deadline never fires', () => {
    startDeadline(3_600_000);
    for (let i = 0; i < 1000; i++) checkDeadline();
    expect(remainingMs()).toBeGreaterThan(0);
    expect(endDeadline()).toBe(false);
  });

  test.each(Object.keys(LONG))('%s checks the deadline in its loops (the deadline fires on a long input)', (name) => {
    const verifier = builtInVerifiers().find((v) => v.name === name)!;
    const { completion, reference } = LONG[name]!;
    const parsed = verifier.parseReference(reference);
    // Without a deadline, the same input gives an ordinary verdict.
    expect(verifier.verify(completion, parsed).reason).not.toMatch(/deadline/);
    startDeadline(-1);
    try {
      verifier.verify(completion, parsed);
    } catch (error) {
      // A verifier may let the stop through or turn it into a result; the worker reads `fired` either way.
      expect(isDeadlineError(error)).toBe(true);
    }
    expect(endDeadline()).toBe(true);
  });
});
