/**
 * Synthetic pretraining text for the from-scratch Countdown regime: the prompt of a
 * generated problem followed by a well-formed completion whose thought combines the numbers in random
 * steps until two values are left, then lists every way of combining those two (`8 - 3 = 5. 5 + 5 =
 * 10. 5 - 5 = 0. 5 * 5 = 25 (target). 5 / 5 = 1.`), marking a candidate that equals the target, and
 * whose answer is one of the candidates drawn at random, marked or not (`<answer> (8 - 3) + 5
 * </answer>`). Answers are mostly *not* solutions: a model pretrained on them learns the format, to
 * use the given numbers, single-step arithmetic and to check a value against the target, but answers
 * without using its check, so it solves only the few problems a random pick happens to hit (≈ 5 %).
 * What RL can then learn is visible in the text: answer with the marked candidate (there is one after
 * 20.6 % of random first steps), and choose first steps that lead to one.
 */
import { SeededRandom } from '@rlvr/core';
import { generateCountdownProblems, type CountdownGeneratorOptions } from '@rlvr/verifiers';
import {
  countdownBrief,
  countdownQuestion,
  deriveSeed,
  frozenCountdownProblems,
  renderPrompt,
} from '../tasks/index.js';
import { BASE_TASK_DIFFICULTY } from '../demo/countdown-preset.js';
import { TrainerError } from '../errors.js';

/** The four operations of Countdown, in the order the corpora list them. */
export const OPERATORS = ['+', '-', '*', '/'] as const;
/** One of {@link OPERATORS}. */
export type Operator = (typeof OPERATORS)[number];

/** One partial result: its expression, value and whether it is composite (needs brackets as an operand). */
interface Item {
  expression: string;
  value: number;
  composite: boolean;
}

/** A way to finish: the last step's text and the whole expression it completes. */
export interface Candidate {
  step: string;
  expression: string;
  value: number;
}

/** A random derivation: the steps before the last, the candidate last steps, and the one chosen. */
export interface Derivation {
  /** `a op b = c`, one per combination before the last. */
  steps: string[];
  /** Every integer way of combining the last two values (commutative operations once). */
  candidates: Candidate[];
  /** Index into `candidates` of the answer. */
  chosen: number;
}

/** `a op b` if it is an integer (exact division by a non-zero divisor), else null. */
export function apply(a: number, op: Operator, b: number): number | null {
  if (op === '+') return a + b;
  if (op === '-') return a - b;
  if (op === '*') return a * b;
  return b !== 0 && a % b === 0 ? a / b : null;
}

const operand = (x: Item) => (x.composite ? `(${x.expression})` : x.expression);

/** `a op b` as a step and as an item, or null when the result is not an integer. */
function combine(a: Item, op: Operator, b: Item): { step: string; item: Item } | null {
  const value = apply(a.value, op, b.value);
  if (value === null) return null;
  return {
    step: `${a.value} ${op} ${b.value} = ${value}`,
    item: { expression: `${operand(a)} ${op} ${operand(b)}`, value, composite: true },
  };
}

/** Every integer combination of two values: + and * once, − and / both ways, each distinct step once. */
function lastSteps(a: Item, b: Item): Candidate[] {
  const pairs: [Item, Operator, Item][] = [
    [a, '+', b],
    [a, '-', b],
    [b, '-', a],
    [a, '*', b],
    [a, '/', b],
    [b, '/', a],
  ];
  const seen = new Set<string>();
  return pairs.flatMap(([x, op, y]) => {
    const c = combine(x, op, y);
    // Equal values make `a - b` and `b - a` the same step: list it once.
    if (c === null || seen.has(c.step)) return [];
    seen.add(c.step);
    return [{ step: c.step, expression: c.item.expression, value: c.item.value }];
  });
}

/**
 * Combines `nums` two at a time (random pair, order and integer operation) until two values are left,
 * lists every way of combining those, and picks one at random (`choose` may pick instead, e.g. the
 * candidate that reaches a target; it returns an index or null for none).
 */
export function randomDerivation(
  nums: readonly number[],
  random: SeededRandom,
  choose?: (candidates: Candidate[]) => number | null,
): Derivation | null {
  if (nums.length < 2) {
    throw new TrainerError(`randomDerivation: nums must hold at least two numbers, got ${nums.length}`);
  }
  const items: Item[] = nums.map((n) => ({ expression: String(n), value: n, composite: false }));
  const steps: string[] = [];
  while (items.length > 2) {
    const i = Math.floor(random.next() * items.length);
    let j = Math.floor(random.next() * (items.length - 1));
    if (j >= i) j++;
    let next: { step: string; item: Item } | null;
    do next = combine(items[i]!, OPERATORS[Math.floor(random.next() * OPERATORS.length)]!, items[j]!);
    while (next === null);
    steps.push(next.step);
    items.splice(Math.max(i, j), 1);
    items.splice(Math.min(i, j), 1, next.item);
  }
  const candidates = lastSteps(items[0]!, items[1]!);
  const chosen = choose ? choose(candidates) : Math.floor(random.next() * candidates.length);
  return chosen === null ? null : { steps, candidates, chosen };
}

/** What marks a candidate whose value is the target, in the thought. */
export const TARGET_MARK = ' (target)';

/**
 * The completion text of a derivation for a problem with `target`: its steps and candidates as the
 * thought, a candidate whose value is the target marked with {@link TARGET_MARK}, and the chosen
 * candidate's expression as the answer.
 */
export function countdownCompletion(d: Derivation, target: number): string {
  const candidates = d.candidates.map((c) => `${c.step}${c.value === target ? TARGET_MARK : ''}`);
  const thought = [...d.steps, ...candidates].map((s) => `${s}.`).join(' ');
  return ` ${thought} </think> <answer> ${d.candidates[d.chosen]!.expression} </answer>`;
}

/** One pretraining example: prompt text (as training renders it) and completion text. */
export interface PretrainExample {
  prompt: string;
  completion: string;
}

// Seed stream of a pretraining run's problems.
const PROBLEM_STREAM = 0x9e71;

/** What decides a pretraining run's problems: its size, seed, difficulty and (optionally) a frozen set to read them from. */
export interface PretrainingProblemsOptions {
  steps: number;
  batch: number;
  seed: number;
  /** Generator settings overriding the preset's difficulty ({@link BASE_TASK_DIFFICULTY}). */
  generator?: { minNumbers?: number; maxNumbers?: number; maxNumber?: number; maxTarget?: number };
  /** A frozen problem set (`embedded:NAME` or a file) to read instead of generating; see src/tasks/frozen-problems.ts. */
  problems?: string;
}

/** The options of the generator call that draws a pretraining run's problems (one per example, in order). */
export function pretrainingProblemOptions(o: PretrainingProblemsOptions): CountdownGeneratorOptions {
  return {
    count: Math.max(256, o.steps * o.batch),
    seed: deriveSeed(o.seed, PROBLEM_STREAM),
    ...BASE_TASK_DIFFICULTY,
    ...o.generator,
  };
}

/** The problems of a pretraining run: generated, or read from the frozen set `o.problems` (whose header must match {@link pretrainingProblemOptions}). */
export function pretrainingProblems(o: PretrainingProblemsOptions): { target: number; nums: number[] }[] {
  const options = pretrainingProblemOptions(o);
  return o.problems === undefined
    ? generateCountdownProblems(options)
    : frozenCountdownProblems(o.problems, options, 'problems');
}

/** Options of {@link countdownPretrainExamples}. */
export interface PretrainCorpusOptions {
  /** Prompt template; default `compact`. */
  template?: 'r1-zero' | 'compact';
  /**
   * Share of examples whose target is replaced by the value of one of their derivation's candidates
   * (drawn at random among those in 1..`maxTarget`), so that their thought holds a marked candidate.
   * The answer stays a random candidate, so this teaches the target check, not to solve. Default 0.
   */
  reachedShare?: number;
  /** Largest target a replaced target may take; default the preset's ({@link BASE_TASK_DIFFICULTY}). */
  maxTarget?: number;
}

/** `count` examples over the given problems (cycled), derivations drawn with `seed`; see {@link PretrainCorpusOptions}. */
export function countdownPretrainExamples(
  problems: readonly { target: number; nums: number[] }[],
  count: number,
  seed: number,
  options: PretrainCorpusOptions = {},
): PretrainExample[] {
  if (problems.length === 0) {
    throw new TrainerError('countdownPretrainExamples: problems is empty; expected at least one problem');
  }
  const { template = 'compact', reachedShare = 0, maxTarget = BASE_TASK_DIFFICULTY.maxTarget } = options;
  if (!(reachedShare >= 0 && reachedShare <= 1)) {
    throw new TrainerError(`reachedShare must be in [0, 1], got ${reachedShare}`);
  }
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const p = problems[i % problems.length]!;
    const derivation = randomDerivation(p.nums, random)!;
    let target = p.target;
    // No extra draws at share 0: the stream (and so the embedded base model) stays as it was.
    if (reachedShare > 0 && random.next() < reachedShare) {
      const inRange = derivation.candidates.filter((c) => c.value >= 1 && c.value <= maxTarget);
      if (inRange.length > 0) target = inRange[Math.floor(random.next() * inRange.length)]!.value;
    }
    const reference = { target, nums: p.nums };
    return {
      prompt: renderPrompt(
        { question: countdownQuestion(reference), brief: countdownBrief(reference) },
        { kind: template },
      ),
      completion: countdownCompletion(derivation, target),
    };
  });
}
