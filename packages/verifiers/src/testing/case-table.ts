/**
 * The case tables `cases/<task>.jsonl`: hand-written completions with the verdict each must get.
 * Shared by the case-table test and `scripts/case-report.ts` (the README's per-category table).
 */
import { readFileSync } from 'node:fs';
import type { VerificationResult, Verifier } from '../types.js';

/** One line of a case table. */
export interface VerifierCase {
  /** Unique id, e.g. `math-042`. */
  id: string;
  /** Category the README reports pass rates for. */
  category: string;
  /** The completion to score. */
  response: string;
  /** The reference as a dataset would give it (parsed with the verifier's `parseReference`). */
  reference: unknown;
  /** The verdict the verifier must reach. */
  expected: { correct: boolean; reward: number };
  /** Why this is the right verdict. */
  note: string;
}

/** The tasks that have a case table, each named after its verifier. */
export const CASE_TASKS = ['countdown', 'gsm8k', 'math'] as const;

/** All cases of `cases/<task>.jsonl`. */
export function loadCaseTable(task: string): VerifierCase[] {
  return readFileSync(new URL(`../../cases/${task}.jsonl`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as VerifierCase);
}

/** Score one case; `passed` when both the verdict and the reward are the expected ones. */
export function runCase(verifier: Verifier, entry: VerifierCase): { passed: boolean; result: VerificationResult } {
  const result = verifier.verify(entry.response, verifier.parseReference(entry.reference));
  // Rewards are configured constants (1, 0.1, 0): equal up to rounding of their own arithmetic.
  const passed = result.correct === entry.expected.correct && Math.abs(result.reward - entry.expected.reward) < 1e-12;
  return { passed, result };
}
