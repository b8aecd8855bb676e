/**
 * Synthetic pretraining text whose thought is a full search of a three-number Countdown problem:
 * one line per first step (every pair, every integer operation, larger operand first), each followed
 * by every way of combining its value with the number left over, as the operation and the value
 * (` 5 + 3 = 8, 4: + 12 - 4 * 32 / 2.`). A value equal to the target is marked with the expression
 * that reaches it (` * 32 (target = (5 + 3) * 4)`), and the thought ends with the first marked expression
 * (` Found: (5 + 3) * 4.`). The answer is a candidate drawn at random over the
 * whole search, marked or not, so a model pretrained on this text solves about one problem in
 * #candidates (a few per cent: the paper's from-scratch ρ₀), yet every problem with an integer
 * solution has its solution written at the end of its thought. What RL can learn is then one visible,
 * local behaviour: answer with the expression just found. (The random-derivation corpus of countdown-corpus.ts marks a
 * candidate after only ≈ 20 % of its first steps, which caps what that behaviour can reach.)
 */
import { SeededRandom } from '@rlvr/core';
import { countdownBrief, countdownQuestion, renderPrompt } from '../tasks/index.js';
import { TrainerError } from '../errors.js';
import { OPERATORS, apply, type Operator, type PretrainExample } from './countdown-corpus.js';

/** One way of finishing a first step: the operation with the number left over, its value and the whole expression. */
export interface SearchCandidate {
  op: Operator;
  value: number;
  expression: string;
}

/** One first step `a op b = value` (a ≥ b), the number left over, and every candidate it leads to. */
export interface SearchLine {
  a: number;
  op: Operator;
  b: number;
  value: number;
  rest: number;
  candidates: SearchCandidate[];
}

/**
 * `x op y` with the larger operand first, if an integer (exact division); division by 1 is left out
 * because it repeats multiplication by 1 and only lengthens the text.
 */
function larger(x: number, op: Operator, y: number): { left: 'x' | 'y'; value: number } | null {
  const left = op === '+' || op === '*' || x >= y ? 'x' : 'y';
  const [p, q] = left === 'x' ? [x, y] : [y, x];
  if (op === '/' && q === 1) return null;
  const value = apply(p, op, q);
  return value === null ? null : { left, value };
}

/**
 * Every first step of a three-number problem and, after each, every candidate: pairs in prompt order
 * (a pair with the same values and leftover as an earlier one once), operations in {@link OPERATORS}
 * order, subtraction and division with the larger operand first so that every value is ≥ 0.
 */
export function fullSearch(nums: readonly number[]): SearchLine[] {
  if (nums.length !== 3) {
    throw new TrainerError(`fullSearch: expected three numbers, got ${nums.length} (${nums.join(', ')})`);
  }
  const lines: SearchLine[] = [];
  const seen = new Set<string>();
  for (const [i, j, k] of [
    [0, 1, 2],
    [0, 2, 1],
    [1, 2, 0],
  ] as const) {
    const [a, b] = nums[i]! >= nums[j]! ? [nums[i]!, nums[j]!] : [nums[j]!, nums[i]!];
    const rest = nums[k]!;
    const key = `${a},${b},${rest}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const op of OPERATORS) {
      const first = larger(a, op, b);
      if (first === null) continue;
      const step = `(${a} ${op} ${b})`;
      const candidates = OPERATORS.flatMap((op2): SearchCandidate[] => {
        const c = larger(first.value, op2, rest);
        if (c === null) return [];
        const expression = c.left === 'x' ? `${step} ${op2} ${rest}` : `${rest} ${op2} ${step}`;
        return [{ op: op2, value: c.value, expression }];
      });
      lines.push({ a, op, b, value: first.value, rest, candidates });
    }
  }
  return lines;
}

/** Every candidate of a search, in the order the thought lists them. */
export function searchCandidates(lines: readonly SearchLine[]): SearchCandidate[] {
  return lines.flatMap((line) => line.candidates);
}

/** How the thought marks a candidate equal to the target: with the expression that reaches it. */
export function searchMark(expression: string): string {
  return ` (target = ${expression})`;
}

/** What the thought's last line starts with: the first marked expression follows (or `none`). */
export const SEARCH_FOUND = ' Found:';

/**
 * The thought of a search for `target`: one line per first step, candidates equal to the target marked,
 * then the first marked expression again (` Found: (9 * 6) - 1.`), so that the answer that would solve
 * the problem sits right before `</think>`.
 */
export function searchThought(lines: readonly SearchLine[], target: number): string {
  const search = lines
    .map((line) => {
      const candidates = line.candidates.map(
        (c) => ` ${c.op} ${c.value}${c.value === target ? searchMark(c.expression) : ''}`,
      );
      return ` ${line.a} ${line.op} ${line.b} = ${line.value}, ${line.rest}:${candidates.join('')}.`;
    })
    .join('');
  const found = searchCandidates(lines).find((c) => c.value === target);
  return `${search}${SEARCH_FOUND} ${found?.expression ?? 'none'}.`;
}

/** The habitual answer of {@link SearchCorpusOptions.habitShare}: the search's first step alone (`4 + 3`). */
export function searchHabit(lines: readonly SearchLine[]): string {
  const first = lines[0];
  if (first === undefined) throw new TrainerError('searchHabit: the search has no line');
  return `${first.a} ${first.op} ${first.b}`;
}

/**
 * The completion of a search for `target` whose answer is candidate `chosen` (an index into
 * {@link searchCandidates}), or the habitual answer ({@link searchHabit}) when `chosen` is `'habit'`.
 */
export function searchCompletion(lines: readonly SearchLine[], target: number, chosen: number | 'habit'): string {
  const answer = chosen === 'habit' ? searchHabit(lines) : searchCandidates(lines)[chosen]?.expression;
  if (answer === undefined) throw new TrainerError(`searchCompletion: no candidate ${chosen}`);
  return `${searchThought(lines, target)} </think> <answer> ${answer} </answer>`;
}

/** Options of {@link countdownSearchExamples}. */
export interface SearchCorpusOptions {
  /** Prompt template; default `compact`. */
  template?: 'r1-zero' | 'compact';
  /**
   * Share of examples whose answer is drawn among the candidates that miss the target only (the rest
   * draw among all candidates). A uniform pick over the search hits the demo's held-out targets 7 % of
   * the time (several candidates often reach one target); a share s brings that to ≈ (1 − s) × 7 %.
   * Default 0.
   */
  missShare?: number;
  /**
   * Share of examples whose answer is the search's first step alone (`4 + 3`): a habitual guess that
   * leaves a number out, so it is never right, and that becomes the base model's greedy answer (pass@1
   * near 0) while the other answers keep sampling every candidate. A candidate would not do: the
   * targets are spread over the reachable values, so every fixed candidate shape hits 4–9 % of them.
   * Drawn before {@link missShare}. Default 0.
   */
  habitShare?: number;
}

/** `count` search examples over `problems` (cycled), each answer a candidate drawn at random with `seed`; see {@link SearchCorpusOptions}. */
export function countdownSearchExamples(
  problems: readonly { target: number; nums: number[] }[],
  count: number,
  seed: number,
  options: SearchCorpusOptions = {},
): PretrainExample[] {
  if (problems.length === 0) {
    throw new TrainerError('countdownSearchExamples: problems is empty; expected at least one problem');
  }
  const { template = 'compact', missShare = 0, habitShare = 0 } = options;
  if (!(missShare >= 0 && missShare <= 1)) throw new TrainerError(`missShare must be in [0, 1], got ${missShare}`);
  if (!(habitShare >= 0 && habitShare <= 1)) {
    throw new TrainerError(`habitShare must be in [0, 1], got ${habitShare}`);
  }
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const p = problems[i % problems.length]!;
    const lines = fullSearch(p.nums);
    const candidates = searchCandidates(lines);
    const misses = candidates.flatMap((c, k) => (c.value === p.target ? [] : [k]));
    // Without a habit share no draw is spent on it, so the corpus of the embedded base stays as it was.
    const habit = habitShare > 0 && random.next() < habitShare;
    // A problem whose every candidate reaches the target has no miss to draw.
    const pool = misses.length > 0 && random.next() < missShare ? misses : candidates.map((_, k) => k);
    const chosen = habit ? 'habit' : pool[Math.floor(random.next() * pool.length)]!;
    return {
      prompt: renderPrompt({ question: countdownQuestion(p), brief: countdownBrief(p) }, { kind: template }),
      completion: searchCompletion(lines, p.target, chosen),
    };
  });
}
