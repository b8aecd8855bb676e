/**
 * What each built-in task reads from a dataset record and how it states the problem. The problem
 * text carries the answer format the task's verifier looks for: Countdown's `<answer>` tags, and
 * `\boxed{}` for GSM8K and MATH (both verifiers take the last boxed answer first). References are
 * parsed by the verifiers' own `parseReference`, so a record the verifier would reject is reported
 * as malformed at load time rather than scored 0 during training. Which fields of a record are read
 * is record-fields.ts' job: each task lists where the published layouts keep its prompt and answer.
 */
import {
  math,
  parseCountdownReference,
  parseExactReference,
  parseGsm8kReference,
  type CountdownReference,
} from '@rlvr/verifiers';
import type { TrainConfig } from '../config/schema.js';
import type { ChatMessage } from './templates.js';

/** A built-in task's name. */
export type TaskName = TrainConfig['task']['name'];

/** The problem as the policy sees it (before the prompt template) and the verifier's reference. */
export interface ProblemAndReference {
  /** The user-turn text: the problem and the answer format (a message-list prompt: its last user message). */
  question: string;
  /** The problem alone, without the answer-format instructions (the `compact` template's text). */
  brief: string;
  /** The reference in the verifier's own parsed form (JSON-serialisable, as the verifier pool takes it). */
  reference: unknown;
  /** The prompt as a chat message list, when the record gave one: rendered as written (see message-prompt.ts). */
  messages?: ChatMessage[];
  /** The record's source name (verl's `data_source`), when it has one. */
  dataSource?: string;
}

/** One built-in task: its verifier and how the fields of a dataset record become a problem. */
export interface TaskKind {
  /** The task's name (as in the config). */
  name: TaskName;
  /** Name of the verifier in the @rlvr/verifiers registry. */
  verifier: string;
  /** The record layouts it recognises, for error messages. */
  layout: string;
  /** Where a record's prompt is looked for when `task.fields.prompt` is null, in order. */
  promptPaths: readonly string[];
  /** Where the reference answer is looked for when `task.fields.answer` is null, in order (`''`: the record itself). */
  answerPaths: readonly string[];
  /** The verifier's reference from the answer field's value; throws (any Error) saying what is wrong. */
  parseReference(answer: unknown): unknown;
  /** The question and brief from a text prompt (the problem as the dataset states it). */
  problem(text: string): { question: string; brief: string };
  /** The task's own wording of a problem from its reference, for records without a prompt (Countdown); absent: a prompt is required. */
  ownWording?: (reference: unknown) => { question: string; brief: string };
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

/** A text prompt with the boxed answer format after it (GSM8K, MATH). */
function boxedProblem(text: string): { question: string; brief: string } {
  return { question: `${text.trim()}\n${BOXED_FORMAT}`, brief: text.trim() };
}

/** A text prompt used as written (it states its own answer format). */
function verbatimProblem(text: string): { question: string; brief: string } {
  return { question: text, brief: text };
}

/**
 * A Countdown reference from `{target, nums}` (Countdown-Tasks-3to4) or `{target, numbers}`
 * (TinyZero's `reward_model.ground_truth`).
 */
function countdownReference(answer: unknown): CountdownReference {
  if (typeof answer === 'object' && answer !== null && !('nums' in answer) && 'numbers' in answer) {
    const { numbers, ...rest } = answer as Record<string, unknown>;
    return parseCountdownReference({ ...rest, nums: numbers });
  }
  return parseCountdownReference(answer);
}

const mathVerifier = math();

/** The paths of verl's preprocessed layout, looked at first: a verl file also carries the raw fields in extra_info. */
const VERL_PROMPT = 'prompt';
const VERL_ANSWER = 'reward_model.ground_truth';

/** The built-in tasks by name. */
export const TASK_KINDS: Readonly<Record<TaskName, TaskKind>> = {
  countdown: {
    name: 'countdown',
    verifier: 'countdown',
    layout:
      '{"target": N, "nums": [...]} (Countdown-Tasks-3to4) or {"prompt": [messages], "reward_model": {"ground_truth": {"target": N, "numbers": [...]}}} (TinyZero)',
    promptPaths: [VERL_PROMPT],
    answerPaths: [VERL_ANSWER, ''],
    parseReference: countdownReference,
    problem: verbatimProblem,
    ownWording(reference) {
      const parsed = reference as CountdownReference;
      return { question: countdownQuestion(parsed), brief: countdownBrief(parsed) };
    },
  },
  gsm8k: {
    name: 'gsm8k',
    verifier: 'gsm8k',
    layout:
      '{"question": "...", "answer": "... #### N"} (openai/gsm8k) or {"prompt": [messages], "reward_model": {"ground_truth": "N"}} (verl)',
    promptPaths: [VERL_PROMPT, 'question'],
    answerPaths: [VERL_ANSWER, 'answer'],
    parseReference(answer) {
      if (typeof answer !== 'string' && typeof answer !== 'number') {
        throw new Error(
          `reference: expected the solution ending in "#### N" or the number, got ${JSON.stringify(answer)?.slice(0, 60)}`,
        );
      }
      return parseGsm8kReference(answer);
    },
    problem: boxedProblem,
  },
  math: {
    name: 'math',
    verifier: 'math',
    layout:
      '{"problem": "...", "solution": "... \\boxed{A} ..."} or {"problem": "...", "answer": "A"} (MATH, MATH-500, DeepScaleR) or {"prompt": [messages], "reward_model": {"ground_truth": "A"}} (verl, DAPO-Math-17k)',
    promptPaths: [VERL_PROMPT, 'problem'],
    // A separate short answer (MATH-500, DeepScaleR) wins over the full solution's last \boxed{}.
    answerPaths: [VERL_ANSWER, 'answer', 'solution'],
    parseReference(answer) {
      return mathVerifier.parseReference(typeof answer === 'number' ? String(answer) : answer);
    },
    problem: boxedProblem,
  },
  choice: {
    name: 'choice',
    verifier: 'exact-match',
    layout: '{"prompt": "...", "answer": "A"} (the answer alone is the whole correct response)',
    promptPaths: ['prompt'],
    answerPaths: ['answer'],
    parseReference: parseExactReference,
    problem: verbatimProblem,
  },
};
