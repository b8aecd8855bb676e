/**
 * The choice tasks: the theory's regime with a real tokenizer and decoder. Every problem's answer is
 * one of K numbers (0 … K−1, one token each), and the base model (`embedded:choice-base`) answers
 * each prompt near-uniformly over the K, so every prompt starts at ρ₀ ≈ 1/K (K = 40 → 0.025) and RL
 * must discover its answer. The rule decides what prompts share:
 *
 * - `hidden`: `item 17 =`, the answer drawn at random per item. Nothing carries from one prompt to
 *   another (held-out items stay at 1/K): the per-prompt dynamics of the paper's ODE.
 * - `copy`: `pick 3 *17 5 33 =`, the answer the starred number. One rule learned by every prompt.
 * - `mod-sum`: `12 + 30 mod 40 =`, the answer (a + b) mod K. One rule, harder to learn.
 */
import { SeededRandom } from '@rlvr/core';
import { TrainerError } from '../errors.js';

/** An integer uniform in [0, bound). */
const below = (random: SeededRandom, bound: number): number => Math.floor(random.next() * bound);

/** How a choice task's answers are decided (see the module comment). */
export const CHOICE_RULES = ['hidden', 'copy', 'mod-sum'] as const;
/** One of {@link CHOICE_RULES}. */
export type ChoiceRule = (typeof CHOICE_RULES)[number];

/** The problems of a choice task. */
export interface ChoiceProblemOptions {
  rule: ChoiceRule;
  /** K: answers are 0 … K−1. */
  choices: number;
  /** Distinct problems to draw. */
  count: number;
  seed: number;
}

/** One problem: the prompt text and its answer. */
export interface ChoiceProblem {
  prompt: string;
  answer: string;
}

/** Numbers shown besides the starred one in a `copy` prompt. */
const COPY_DISTRACTORS = 3;

/** How many distinct problems `rule` has with K choices (hidden: unbounded). */
export function choiceProblemSpace(rule: ChoiceRule, choices: number): number {
  if (rule === 'hidden') return Number.POSITIVE_INFINITY;
  if (rule === 'mod-sum') return choices * choices;
  return (COPY_DISTRACTORS + 1) * choices ** (COPY_DISTRACTORS + 1);
}

/** One random prompt of `rule` and its answer (hidden: item `index`, answer drawn from `random`). */
export function choicePrompt(rule: ChoiceRule, choices: number, random: SeededRandom, index: number): ChoiceProblem {
  if (rule === 'hidden') return { prompt: `item ${index} =`, answer: String(below(random, choices)) };
  if (rule === 'mod-sum') {
    const a = below(random, choices);
    const b = below(random, choices);
    return { prompt: `${a} + ${b} mod ${choices} =`, answer: String((a + b) % choices) };
  }
  const shown = Array.from({ length: COPY_DISTRACTORS + 1 }, () => below(random, choices));
  const starred = below(random, shown.length);
  const text = shown.map((n, i) => (i === starred ? `*${n}` : String(n))).join(' ');
  return { prompt: `pick ${text} =`, answer: String(shown[starred]) };
}

/** `count` distinct problems of the rule, in a seeded order (hidden: items 0 … count−1). */
export function choiceProblems(o: ChoiceProblemOptions): ChoiceProblem[] {
  if (!(Number.isInteger(o.choices) && o.choices >= 2)) {
    throw new TrainerError(`choice task: choices must be an integer ≥ 2, got ${o.choices}`);
  }
  const space = choiceProblemSpace(o.rule, o.choices);
  if (!(Number.isInteger(o.count) && o.count >= 1 && o.count <= space)) {
    throw new TrainerError(
      `choice task: count must be an integer in 1 … ${space} for rule ${o.rule} with ${o.choices} choices, got ${o.count}`,
    );
  }
  const random = new SeededRandom(o.seed);
  const seen = new Set<string>();
  const problems: ChoiceProblem[] = [];
  while (problems.length < o.count) {
    const problem = choicePrompt(o.rule, o.choices, random, problems.length);
    if (seen.has(problem.prompt)) continue;
    seen.add(problem.prompt);
    problems.push(problem);
  }
  return problems;
}
