import fc from 'fast-check';
import type { VerificationResult } from '../types.js';
import { countdown, type CountdownReference } from './verifier.js';
import { FUZZ_CALL_LIMIT_MS } from '../testing/fuzz-limits.js';
import { cpuMs } from '../testing/cpu-time.js';

/**
 * Fuzzing (10,000 inputs in all): no exception escapes verify, the same input gives the same result,
 * every call stays under a generous CPU-time bound (a behaviour bound, not a benchmark; CPU time, not
 * wall-clock time, so a loaded machine cannot break it).
 */
const references: CountdownReference[] = [
  { target: 24, nums: [3, 5, 3] },
  { target: 98, nums: [44, 19, 35] },
  { target: 1, nums: [1, 2, 3, 4] },
  { target: 0, nums: [0] },
];
const verifiers = [countdown(), countdown({ binary: true }), countdown({ allowUnusedNumbers: true, allowTargetSuffix: false })];

const tokens = [
  '3',
  '5',
  '24',
  '1',
  '0',
  '12',
  '+',
  '-',
  '−',
  '*',
  '×',
  '\\times',
  '/',
  '÷',
  '\\div',
  '**',
  '//',
  '%',
  '^',
  '(',
  ')',
  ' ',
  '.',
  '1.5',
  '=',
  '= 24',
  '<answer>',
  '</answer>',
  '\n',
  'x',
  '😀',
  '\u0000',
];
const tokenString = fc.array(fc.constantFrom(...tokens), { maxLength: 40 }).map((parts) => parts.join(''));
const answerString = tokenString.map((inner) => `<think>try</think><answer>${inner}</answer>`);
const adversarial = fc
  .tuple(fc.constantFrom('(', ')', '((', '9', '3+', '<answer>', '</answer>', '<answer>(', '1.', '-', '**', ' ', '\\times', '😀'), fc.integer({ min: 1, max: 60_000 }), fc.boolean())
  .map(([unit, repeat, wrap]) => (wrap ? `<answer>${unit.repeat(repeat)}</answer>` : unit.repeat(repeat)));

let maxCpuMs = 0;
function check(completion: string, k: number): void {
  const reference = references[k % references.length]!;
  const verifier = verifiers[k % verifiers.length]!;
  const start = cpuMs();
  let first: VerificationResult;
  try {
    first = verifier.verify(completion, reference);
  } catch (error) {
    throw new Error(`verify threw on ${JSON.stringify(completion.slice(0, 200))}: ${String(error)}`, { cause: error });
  }
  maxCpuMs = Math.max(maxCpuMs, cpuMs() - start);
  expect(verifier.verify(completion, reference)).toEqual(first);
  expect(typeof first.reason).toBe('string');
  expect([0, 0.1, 1]).toContain(first.reward);
  expect(first.correct).toBe(first.reward === 1);
}

describe('countdown fuzzing', () => {
  let k = 0;
  it('random unicode strings (4,000)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => check(s, k++)),
      { numRuns: 2000, seed: 1 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (s) => check(`<answer>${s}</answer>`, k++)),
      { numRuns: 2000, seed: 2 },
    );
  });

  it('strings built from the answer grammar tokens (4,000)', () => {
    fc.assert(
      fc.property(tokenString, (s) => check(s, k++)),
      { numRuns: 1000, seed: 3 },
    );
    fc.assert(
      fc.property(answerString, (s) => check(s, k++)),
      { numRuns: 3000, seed: 4 },
    );
  });

  it('adversarial repetitions: deep nesting, long digit runs, many tags (2,000)', () => {
    fc.assert(
      fc.property(adversarial, (s) => check(s, k++)),
      { numRuns: 2000, seed: 5 },
    );
  });

  it(`ran at least 10,000 inputs, each verified in under ${FUZZ_CALL_LIMIT_MS} CPU ms`, () => {
    expect(k).toBeGreaterThanOrEqual(10_000);
    expect(maxCpuMs).toBeLessThan(FUZZ_CALL_LIMIT_MS);
  });
});
