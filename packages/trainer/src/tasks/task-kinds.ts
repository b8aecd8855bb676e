/**
 * What each built-in task reads from a dataset record and how it states the problem. The problem
 * text carries the answer format the task's verifier looks for: Countdown's `<answer>` tags, and
 * `\boxed{}` for GSM8K and MATH (both verifiers take the last boxed answer first). References are
 * parsed by the verifiers' own `parseReference`, so a record the verifier would reject is reported
 * as malformed at load time rather than scored 0 during training.
 */
import {
  math,
  parseCountdownReference,
  parseExactReference,
  parseGsm8kReference,
  type CountdownReference,
} from '@rlvr/verifiers';
import type { TrainConfig } from '../config/schema.js';

/** A built-in task's name. */
export type TaskName = TrainConfig['task']['name'];

/** The problem as the policy sees it (before the prompt template) and the verifier's reference. */
export interface ProblemAndReference {
  /** The user-turn text: the problem and the answer format. */
  question: string;
  /** The problem alone, without the answer-format instructions (the `compact` template's text). */
  brief: string;
  /** The reference in the verifier's own parsed form (JSON-serialisable, as the verifier pool takes it). */
  reference: unknown;
}

/** One built-in task: its verifier and how a dataset record becomes a problem. */
export interface TaskKind {
  /** The task's name (as in the config). */
  name: TaskName;
  /** Name of the verifier in the @rlvr/verifiers registry. */
  verifier: string;
  /** The record layout, for error messages. */
  layout: string;
  /** Read one record; throws (any Error) with a message saying what is wrong with it. */
  fromRecord(record: Record<string, unknown>): ProblemAndReference;
}

/**
 * The Countdown problem statement. The facts are those of TinyZero's prompt (the numbers, the
 * target, + − × ÷, each number used once, reasoning in `<think>`, the equation alone in `<answer>`
 * with an example); the wording is ours.
 */
export function countdownQuestion(reference: CountdownReference): string {
  return (
    `Use each of the numbers ${JSON.stringify(reference.nums).replace(/,/g, ', ')} exactly once to build an equation whose value is ${reference.target}. ` +
    'Only +, -, * and / and parentheses are allowed. Reason inside <think> </think>, then write the equation alone inside ' +
    '<answer> </answer>, for example <answer> (1 + 2) / 3 </answer>.'
  );
}

/** The Countdown problem in a few tokens (`Numbers: [3, 5, 8]. Target: 24.`), for the `compact` template. */
export function countdownBrief(reference: CountdownReference): string {
  return `Numbers: ${JSON.stringify(reference.nums).replace(/,/g, ', ')}. Target: ${reference.target}.`;
}

/** Appended to GSM8K and MATH problems: the verifiers read the last `\boxed{}` first. */
const BOXED_FORMAT =
  'Reason inside <think> </think>, then give the final answer inside <answer> </answer> as \\boxed{...}.';

function requiredString(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(
      `"${key}": expected a non-empty string, got ${value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 60)}`,
    );
  }
  return value;
}

const mathVerifier = math();

/** The built-in tasks by name. */
export const TASK_KINDS: Readonly<Record<TaskName, TaskKind>> = {
  countdown: {
    name: 'countdown',
    verifier: 'countdown',
    layout: '{"target": N, "nums": [...]} (Countdown-Tasks-3to4)',
    fromRecord(record) {
      const reference = parseCountdownReference(record);
      return { question: countdownQuestion(reference), brief: countdownBrief(reference), reference };
    },
  },
  gsm8k: {
    name: 'gsm8k',
    verifier: 'gsm8k',
    layout: '{"question": "...", "answer": "... #### N"} (openai/gsm8k)',
    fromRecord(record) {
      const question = requiredString(record, 'question');
      const answer = record.answer;
      if (typeof answer !== 'string' && typeof answer !== 'number') {
        throw new Error(
          `"answer": expected the solution ending in "#### N", got ${answer === undefined ? 'nothing' : JSON.stringify(answer)}`,
        );
      }
      return {
        question: `${question.trim()}\n${BOXED_FORMAT}`,
        brief: question.trim(),
        reference: parseGsm8kReference(answer),
      };
    },
  },
  math: {
    name: 'math',
    verifier: 'math',
    layout:
      '{"problem": "...", "solution": "... \\boxed{A} ..."} or {"problem": "...", "answer": "A"} (MATH, MATH-500)',
    fromRecord(record) {
      const problem = requiredString(record, 'problem');
      // A separate short answer (MATH-500, DeepScaleR) wins over the full solution's last \boxed{}.
      const gold = record.answer !== undefined && record.answer !== null ? String(record.answer) : record.solution;
      if (gold === undefined || gold === null) throw new Error('expected "answer" or "solution"');
      return {
        question: `${problem.trim()}\n${BOXED_FORMAT}`,
        brief: problem.trim(),
        reference: mathVerifier.parseReference(gold),
      };
    },
  },
  choice: {
    name: 'choice',
    verifier: 'exact-match',
    layout: '{"prompt": "...", "answer": "A"} (the answer alone is the whole correct response)',
    fromRecord(record) {
      const prompt = requiredString(record, 'prompt');
      return { question: prompt, brief: prompt, reference: parseExactReference(record.answer) };
    },
  },
};
