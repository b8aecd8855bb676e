/**
 * The case tables `cases/<task>.jsonl`: hand-written completions with the verdict each must get,
 * each under a named policy of its verifier. Shared by the case-table test and
 * `scripts/case-report.ts` (the README's per-category table).
 */
import { readFileSync } from 'node:fs';
import { countdown } from '../countdown/index.js';
import { gsm8k, type Gsm8kMode } from '../gsm8k/index.js';
import { math, type MathExtraction } from '../math/index.js';
import type { VerificationResult, Verifier } from '../types.js';

/** The tasks that have a case table, each named after its verifier. */
export const CASE_TASKS = ['countdown', 'gsm8k', 'math'] as const;

/** A task with a case table. */
export type CaseTask = (typeof CASE_TASKS)[number];

/**
 * The policies a case may name, per task: the option of the verifier that decides where an answer
 * is read (Countdown has one policy; GSM8K its `mode`; MATH its `extraction`).
 */
export const CASE_POLICIES: { readonly [T in CaseTask]: readonly string[] } = {
  countdown: ['default'],
  gsm8k: ['auto', 'strict', 'flexible'] satisfies Gsm8kMode[],
  math: ['strict', 'flexible'] satisfies MathExtraction[],
};

/** One line of a case table. */
export interface VerifierCase {
  /** Unique id, e.g. `math-042`. */
  id: string;
  /** Category the README reports pass rates for. */
  category: string;
  /** The verifier policy the case runs under (one of {@link CASE_POLICIES} for its task). */
  policy: string;
  /** The completion to score. */
  response: string;
  /** The reference as a dataset would give it (parsed with the verifier's `parseReference`). */
  reference: unknown;
  /** The verdict the verifier must reach. */
  expected: { correct: boolean; reward: number };
  /** Why this is the right verdict. */
  note: string;
}

/** All cases of `cases/<task>.jsonl`. */
export function loadCaseTable(task: CaseTask): VerifierCase[] {
  return readFileSync(new URL(`../../cases/${task}.jsonl`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as VerifierCase);
}

/** The verifier of `task` configured for `policy`; throws on a policy the task does not have. */
export function verifierForPolicy(task: CaseTask, policy: string): Verifier {
  if (!CASE_POLICIES[task].includes(policy)) {
    throw new Error(`unknown ${task} policy "${policy}" (one of ${CASE_POLICIES[task].join(', ')})`);
  }
  switch (task) {
    case 'countdown':
      return countdown() as Verifier;
    case 'gsm8k':
      return gsm8k({ mode: policy as Gsm8kMode }) as Verifier;
    case 'math':
      return math({ extraction: policy as MathExtraction }) as Verifier;
  }
}

/** Verifiers by `task/policy`, built once per table run. */
export function policyVerifiers(): (task: CaseTask, policy: string) => Verifier {
  const built = new Map<string, Verifier>();
  return (task, policy) => {
    const key = `${task}/${policy}`;
    let verifier = built.get(key);
    if (!verifier) {
      verifier = verifierForPolicy(task, policy);
      built.set(key, verifier);
    }
    return verifier;
  };
}

/** Score one case; `passed` when both the verdict and the reward are the expected ones. */
export function runCase(verifier: Verifier, entry: VerifierCase): { passed: boolean; result: VerificationResult } {
  const result = verifier.verify(entry.response, verifier.parseReference(entry.reference));
  // Rewards are configured constants (1, 0.1, 0): equal up to rounding of their own arithmetic.
  const passed = result.correct === entry.expected.correct && Math.abs(result.reward - entry.expected.reward) < 1e-12;
  return { passed, result };
}
