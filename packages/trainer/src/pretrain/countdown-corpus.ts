/**
 * Synthetic pretraining text for the from-scratch Countdown regime (issue 7): the R1-Zero prompt of a
 * generated problem followed by a well-formed completion whose answer is a random valid expression
 * over the problem's numbers (each used once, random operators and bracketing). Such answers are
 * mostly *not* solutions, so a model pretrained on them learns the format and the use of the given
 * numbers while solving only the few problems a random expression happens to hit.
 */
import { SeededRandom } from '@rlvr/core';
import { evaluateCountdownExpression, parseCountdownExpression } from '@rlvr/verifiers';
import { countdownQuestion, r1ZeroPrompt } from '../tasks/index.js';

const OPERATORS = ['+', '-', '*', '/'] as const;

/**
 * A random expression using each of `nums` exactly once (random order, operators and tree shape) whose
 * value is defined: draws that divide by zero are redrawn (checked with the Countdown verifier's own
 * exact evaluator), so every answer in the corpus is one the verifier accepts as well-formed.
 */
export function randomExpression(nums: readonly number[], random: SeededRandom): string {
  if (nums.length === 0) throw new RangeError('randomExpression: expected at least one number');
  for (;;) {
    const candidate = drawExpression(nums, random);
    const parsed = parseCountdownExpression(candidate);
    if (parsed.ok && evaluateCountdownExpression(parsed.expression) !== null) return candidate;
  }
}

/** One draw of {@link randomExpression}, not yet checked. */
function drawExpression(nums: readonly number[], random: SeededRandom): string {
  const terms = nums.map(String);
  // Shuffle, then repeatedly join two adjacent terms, bracketing composite ones.
  for (let i = terms.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [terms[i], terms[j]] = [terms[j]!, terms[i]!];
  }
  const composite = terms.map(() => false);
  while (terms.length > 1) {
    const k = Math.floor(random.next() * (terms.length - 1));
    const op = OPERATORS[Math.floor(random.next() * OPERATORS.length)]!;
    const left = composite[k] ? `(${terms[k]})` : terms[k]!;
    const right = composite[k + 1] ? `(${terms[k + 1]})` : terms[k + 1]!;
    terms.splice(k, 2, `${left} ${op} ${right}`);
    composite.splice(k, 2, true);
  }
  return terms[0]!;
}

/** The completion the base model learns: a short thought, then the answer in tags. */
export function countdownCompletion(expression: string): string {
  return ` I will combine the numbers. </think> <answer> ${expression} </answer>`;
}

/** One pretraining example: prompt text (as training renders it) and completion text. */
export interface PretrainExample {
  prompt: string;
  completion: string;
}

/** `count` examples over the given problems (cycled), answers drawn with `seed`. */
export function countdownPretrainExamples(problems: readonly { target: number; nums: number[] }[], count: number, seed: number): PretrainExample[] {
  if (problems.length === 0) throw new RangeError('countdownPretrainExamples: no problems');
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const p = problems[i % problems.length]!;
    return { prompt: r1ZeroPrompt(countdownQuestion({ target: p.target, nums: p.nums })), completion: countdownCompletion(randomExpression(p.nums, random)) };
  });
}
