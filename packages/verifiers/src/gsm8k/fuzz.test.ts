import fc from 'fast-check';
import type { VerificationResult } from '../types.js';
import { gsm8k } from './verifier.js';
import { cpuMs } from '../testing/cpu-time.js';
import { FUZZ_CALL_LIMIT_MS } from '../testing/fuzz-limits.js';

/**
 * Fuzzing (10,000 inputs in all): no exception escapes verify, the same input gives the same result,
 * and no call uses more than a generous amount of CPU time (a behaviour bound, not a benchmark: CPU
 * time of this process, which other processes keeping the cores busy do not inflate).
 */
const golds = ['18', '1000', '-5', '0.75', '123456789012345678901234567890'];
const verifiers = [gsm8k(), gsm8k({ mode: 'strict' }), gsm8k({ mode: 'flexible' })];

const tokens = [
  '18',
  '1',
  '000',
  ',',
  '.',
  ' ',
  '\u2009',
  '$',
  '\\$',
  '-',
  '−',
  '%',
  '/',
  ':',
  '^',
  '_',
  '####',
  '#',
  '\\boxed{',
  '}',
  '{',
  '{,}',
  '\\,',
  'The answer is ',
  'Answer:',
  '**',
  '\n',
  'dollars',
  '😀',
  '\u0000',
  'e',
  'th',
  'x',
  '\\frac',
  '\\dfrac{',
  '\\sqrt',
  '\\sqrt[',
  ']',
  '\\times',
  '10^',
  '<answer>',
  '</answer>',
  '<think>',
  '</think>',
  ' or ',
  '½',
  '√',
  'million',
  ' and a half',
  '(',
  ')',
  '\\pi',
  '\\circ',
  '=',
];
const tokenString = fc.array(fc.constantFrom(...tokens), { maxLength: 60 }).map((parts) => parts.join(''));
const adversarial = fc
  .tuple(
    fc.constantFrom(
      '#',
      '####',
      '#### ',
      '\\boxed{',
      '{',
      '}',
      '1',
      '1,',
      '1 ',
      ',000',
      '.5',
      'answer is ',
      'nswer',
      '-',
      '$',
      '1/',
      '1-',
      '1:',
      '1.',
      '\\frac{',
      '\\frac1',
      '\\sqrt[',
      '\\sqrt{',
      '2^{',
      '2^',
      'x_{',
      '<answer>',
      '</answer>',
      '</think>',
      '1e',
      '1 × 10^',
      '1 + ',
    ),
    fc.integer({ min: 1, max: 60_000 }),
    fc.constantFrom('', ' 18', '#### 18', '\\boxed{18}', '<answer>18</answer>'),
  )
  .map(([unit, repeat, tail]) => unit.repeat(repeat) + tail);

let maxCpuMs = 0;
function check(completion: string, k: number): void {
  const gold = golds[k % golds.length]!;
  const verifier = verifiers[k % verifiers.length]!;
  const start = cpuMs();
  let first: VerificationResult;
  try {
    first = verifier.verify(completion, gold);
  } catch (error) {
    throw new Error(`verify threw on ${JSON.stringify(completion.slice(0, 200))}: ${String(error)}`, { cause: error });
  }
  maxCpuMs = Math.max(maxCpuMs, cpuMs() - start);
  expect(verifier.verify(completion, gold)).toEqual(first);
  expect(typeof first.reason).toBe('string');
  expect(first.reward).toBe(first.correct ? 1 : 0);
  if (first.correct) expect(first.formatOk).toBe(true);
}

describe('gsm8k fuzzing', () => {
  let k = 0;
  it('random unicode strings (4,000)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => check(s, k++)),
      { numRuns: 4000, seed: 11 },
    );
  });

  it('strings built from number, expression and marker tokens (4,000)', () => {
    fc.assert(
      fc.property(tokenString, (s) => check(s, k++)),
      { numRuns: 4000, seed: 12 },
    );
  });

  // Two halves of 1,000 (up to 60k repeats each): one test per half stays far from jest's per-test timeout.
  it.each([13, 14])('adversarial repetitions: # runs, nested boxes, unclosed fractions and roots, digit and separator chains (1,000, seed %i)', (seed) => {
    fc.assert(
      fc.property(adversarial, (s) => check(s, k++)),
      { numRuns: 1000, seed },
    );
  });

  it(`ran at least 10,000 inputs, each verified within ${FUZZ_CALL_LIMIT_MS} ms of CPU time`, () => {
    expect(k).toBeGreaterThanOrEqual(10_000);
    expect(maxCpuMs).toBeLessThan(FUZZ_CALL_LIMIT_MS);
  });
});
