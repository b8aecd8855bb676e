import { VerifierError } from '../errors.js';
import { defaultRegistry } from '../builtins.js';
import { VerifierRegistry } from '../registry.js';
import { math } from './index.js';
import { withCpuMs } from '../testing/cpu-time.js';

describe('math verifier', () => {
  const v = math();

  it('implements the Verifier contract', () => {
    expect(v.name).toBe('math');
    expect(new VerifierRegistry([v]).get('math')).toBe(v);
    expect(v.verify('so \\boxed{\\frac{1}{2}}', '0.5')).toEqual({ reward: 1, correct: true, formatOk: true, extracted: '\\frac{1}{2}', reason: 'correct' });
    expect(v.verify('so \\boxed{3}', '0.5')).toEqual({ reward: 0, correct: false, formatOk: true, extracted: '3', reason: 'wrong-answer' });
    expect(v.verify('no answer here, 3 + 4 = 7', '7')).toEqual({ reward: 0, correct: false, formatOk: false, extracted: null, reason: 'no-answer' });
  });

  it('parses references: a LaTeX answer or the last box of a solution', () => {
    expect(v.parseReference(' \\frac12 ')).toBe('\\frac12');
    expect(v.parseReference('First \\boxed{1}, then \\boxed{\\{1,2\\}}.')).toBe('\\{1,2\\}');
    expect(() => v.parseReference('')).toThrow(VerifierError);
    expect(() => v.parseReference('   ')).toThrow(/non-empty/);
    expect(() => v.parseReference('so \\boxed{3')).toThrow(/never closes/);
    expect(() => v.parseReference(3)).toThrow(/expected a string/);
  });

  it('accepts a solution as the reference in verify too', () => {
    expect(v.verify('\\boxed{2}', 'so we get $\\boxed{2}$').correct).toBe(true);
  });

  it('has configurable rewards', () => {
    const w = math({ correctReward: 2, wrongReward: -1 });
    expect(w.verify('\\boxed{1}', '1').reward).toBe(2);
    expect(w.verify('\\boxed{2}', '1').reward).toBe(-1);
    expect(w.verify('', '1').reward).toBe(-1);
  });

  it('finishes pathological completions in bounded CPU time with reward 0 and a reason', () => {
    const inputs = [
      '\\boxed{' + '{'.repeat(100_000) + '1' + '}'.repeat(100_000) + '}',
      'x'.repeat(10_000_000) + ' \\boxed{' + '('.repeat(45) + '1' + ')'.repeat(45) + '}',
      '\\boxed{9^{9^{9^{9}}}}',
      '\\boxed{\\sum_{k=1}^{100000}k^{-2}}',
      'answer: '.repeat(500_000),
      '\\boxed{'.repeat(50_000),
    ];
    for (const input of inputs) {
      const { value: r, cpuMs } = withCpuMs(() => v.verify(input, '1'));
      expect(cpuMs).toBeLessThan(1000); // CPU ms, not wall-clock: ≤ 75 when idle (the 10 MB completion)
      expect(r.reward).toBe(0);
      expect(r.reason).not.toBe('correct');
    }
    expect(v.verify('\\boxed{9^{9^{9^{9}}}}', '9^{9^{9^{8}}}').reason).toMatch(/too-complex/);
    expect(v.verify('\\boxed{\\sum_{k=1}^{100000}k^{-2}}', '\\frac{\\pi^2}{6}').reason).toMatch(/too-complex/);
  });

  it('agrees with math-flexible and gsm8k on a million-digit numeral: equal is correct, different is not, both bounded', () => {
    const registry = defaultRegistry();
    const gold = '7'.repeat(1_000_000);
    const different = `${'7'.repeat(999_999)}8`;
    for (const name of ['math', 'math-flexible', 'gsm8k']) {
      const verifier = registry.get(name);
      const reference = verifier.parseReference(gold);
      const same = withCpuMs(() => verifier.verify(`The answer is $\\boxed{${gold}}$.`, reference));
      const other = withCpuMs(() => verifier.verify(`The answer is $\\boxed{${different}}$.`, reference));
      expect([name, same.value.reward, same.value.correct]).toEqual([name, 1, true]);
      expect([name, other.value.reward, other.value.correct]).toEqual([name, 0, false]);
      // CPU ms, not wall-clock: ≈ 80 when idle (the extraction's scan of a million digits).
      expect(same.cpuMs).toBeLessThan(1000);
      expect(other.cpuMs).toBeLessThan(1000);
    }
  });

  it('never throws, even for non-string input at run time', () => {
    expect(v.verify(undefined as unknown as string, '1').reason).toBe('no-answer');
    expect(v.verify('\\boxed{1}', '\\boxed{').reason).toMatch(/unparseable/);
  });
});
