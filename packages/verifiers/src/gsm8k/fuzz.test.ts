import fc from 'fast-check';
import type { VerificationResult } from '../types.js';
import { gsm8k } from './verifier.js';
import { FUZZ_CALL_LIMIT_MS } from '../testing/fuzz-limits.js';

/**
 * Fuzzing (10,000 inputs in all): no exception escapes verify, the same input gives the same result,
 * every call stays under a generous time bound (a behaviour bound, not a benchmark).
 */
const golds = ['18', '1000', '-5', '0.75', '123456789012345678901234567890'];
const verifiers = [gsm8k(), gsm8k({ mode: 'strict' }), gsm8k({ mode: 'flexible' })];

const tokens = ['18', '1', '000', ',', '.', ' ', '\u2009', '$', '\\$', '-', '−', '%', '/', '####', '#', '\\boxed{', '}', '{', '{,}', '\\,', 'The answer is ', 'Answer:', '**', '\n', 'dollars', '😀', '\u0000', 'e'];
const tokenString = fc.array(fc.constantFrom(...tokens), { maxLength: 60 }).map((parts) => parts.join(''));
const adversarial = fc
  .tuple(fc.constantFrom('#', '####', '#### ', '\\boxed{', '{', '}', '1', '1,', '1 ', ',000', '.5', 'answer is ', 'nswer', '-', '$', '1/'), fc.integer({ min: 1, max: 60_000 }), fc.constantFrom('', ' 18', '#### 18', '\\boxed{18}'))
  .map(([unit, repeat, tail]) => unit.repeat(repeat) + tail);

let maxMs = 0;
function check(completion: string, k: number): void {
  const gold = golds[k % golds.length]!;
  const verifier = verifiers[k % verifiers.length]!;
  const start = performance.now();
  let first: VerificationResult;
  try {
    first = verifier.verify(completion, gold);
  } catch (error) {
    throw new Error(`verify threw on ${JSON.stringify(completion.slice(0, 200))}: ${String(error)}`, { cause: error });
  }
  maxMs = Math.max(maxMs, performance.now() - start);
  expect(verifier.verify(completion, gold)).toEqual(first);
  expect(typeof first.reason).toBe('string');
  expect(first.reward).toBe(first.correct ? 1 : 0);
  if (first.correct) expect(first.formatOk).toBe(true);
}

describe('gsm8k fuzzing', () => {
  let k = 0;
  it('random unicode strings (4,000)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => check(s, k++)), { numRuns: 4000, seed: 11 });
  });

  it('strings built from number and marker tokens (4,000)', () => {
    fc.assert(fc.property(tokenString, (s) => check(s, k++)), { numRuns: 4000, seed: 12 });
  });

  it('adversarial repetitions: # runs, nested boxes, digit and separator chains (2,000)', () => {
    fc.assert(fc.property(adversarial, (s) => check(s, k++)), { numRuns: 2000, seed: 13 });
  });

  it(`ran at least 10,000 inputs, each verified in under ${FUZZ_CALL_LIMIT_MS} ms`, () => {
    expect(k).toBeGreaterThanOrEqual(10_000);
    expect(maxMs).toBeLessThan(FUZZ_CALL_LIMIT_MS);
  });
});
