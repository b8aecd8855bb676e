/**
 * The Countdown verifier (TinyZero-compatible scoring, without its traps): the last complete
 * `<answer>…</answer>` of the completion, parsed by our own exact-rational parser, each given number
 * used exactly once (or at most once), value compared exactly to the target.
 */

import { lastAnswerTag, type AnswerTag } from '../text/answer-tag.js';
import { VerifierError } from '../errors.js';
import type { VerificationResult, Verifier } from '../types.js';
import { evaluate, parseExpression, shorten } from './expression.js';
import { equalsInteger, format } from './rational.js';
import { withCappedExtracted } from '../text/extracted.js';

/** A Countdown problem as in `Jiayi-Pan/Countdown-Tasks-3to4`: reach `target` with `nums`. */
export interface CountdownReference {
  /** The value the expression must equal. */
  target: number;
  /** The numbers to use (non-negative integers, duplicates allowed). */
  nums: number[];
}

/** Scoring and grammar options of {@link countdown}. */
export interface CountdownOptions {
  /** Reward of a correct answer (default 1). */
  correctReward?: number;
  /** Reward of an answer found in `<answer>` tags but wrong or malformed (default 0.1, as TinyZero). */
  formatReward?: number;
  /** Reward when no answer is found (default 0). */
  noAnswerReward?: number;
  /** When true the reward is 1 for a correct answer and 0 otherwise; the three rewards are ignored (default false). */
  binary?: boolean;
  /** When true each given number may be used at most once instead of exactly once (default false). */
  allowUnusedNumbers?: boolean;
  /** When true (default) a trailing `= target` is accepted, e.g. `(3+5)*3 = 24`; the target after `=` is not a use of a number. */
  allowTargetSuffix?: boolean;
}

/** The last complete answer tag of a completion (the Countdown answer; see `lastAnswerTag`). */
export const extractAnswer = lastAnswerTag;
export type { AnswerTag };

function safeIntegerOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'bigint') {
    return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : null;
  }
  return null;
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : shorten(json, 60);
  } catch {
    return typeof value;
  }
}

/**
 * Validate a Countdown reference: `{target, nums}` with `target` a safe integer and `nums` a
 * non-empty array (or typed array) of non-negative safe integers (numbers or bigints, as parquet
 * int64 columns give). Throws a {@link VerifierError} naming the bad field.
 */
export function parseCountdownReference(raw: unknown): CountdownReference {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new VerifierError('reference', `expected an object {target, nums}, got ${describe(raw)}`);
  }
  const record = raw as Record<string, unknown>;
  const target = safeIntegerOf(record.target);
  if (target === null) {
    throw new VerifierError('reference.target', `expected a safe integer, got ${describe(record.target)}`);
  }
  const rawNums = record.nums;
  const list: ArrayLike<unknown> | null = Array.isArray(rawNums)
    ? rawNums
    : ArrayBuffer.isView(rawNums) && !(rawNums instanceof DataView)
      ? (rawNums as unknown as ArrayLike<unknown>)
      : null;
  if (list === null) {
    throw new VerifierError(
      'reference.nums',
      `expected a non-empty array of non-negative integers, got ${describe(rawNums)}`,
    );
  }
  if (list.length === 0) {
    throw new VerifierError('reference.nums', 'expected a non-empty array of non-negative integers, got []');
  }
  const nums: number[] = [];
  for (let k = 0; k < list.length; k++) {
    const value = safeIntegerOf(list[k]);
    if (value === null || value < 0) {
      throw new VerifierError(`reference.nums[${k}]`, `expected a non-negative safe integer, got ${describe(list[k])}`);
    }
    nums.push(value);
  }
  return { target, nums };
}

function checkReward(
  options: CountdownOptions,
  key: 'correctReward' | 'formatReward' | 'noAnswerReward',
  fallback: number,
): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new VerifierError(`options.${key}`, `expected a finite number, got ${describe(value)}`);
  }
  return value;
}

/** Cheap structural check of a reference passed straight to `verify` (not through parseReference). */
function assertReference(reference: CountdownReference): void {
  const ok =
    typeof reference === 'object' &&
    reference !== null &&
    Number.isSafeInteger(reference.target) &&
    Array.isArray(reference.nums) &&
    reference.nums.length > 0 &&
    reference.nums.every((x) => Number.isSafeInteger(x) && x >= 0);
  if (!ok) parseCountdownReference(reference); // throws the precise VerifierError (or accepts bigint/typed-array input)
}

/**
 * The Countdown verifier. Reward: `correctReward` (1) when correct, `formatReward` (0.1) when an
 * answer was found but is malformed or wrong, `noAnswerReward` (0) otherwise; 1/0 in binary mode.
 * An empty `<answer></answer>` counts as no answer. Reasons: `correct`, `no-answer`,
 * `invalid-format: repeated </answer>`, `invalid-format: empty answer`, `invalid-expression: …`,
 * `numbers-mismatch: N not in nums`, `numbers-reused: N`, `unused-numbers: …`, `division-by-zero`,
 * `wrong-value: v ≠ target`.
 */
export function countdown(options: CountdownOptions = {}): Verifier<CountdownReference> {
  const correctReward = checkReward(options, 'correctReward', 1);
  const formatReward = checkReward(options, 'formatReward', 0.1);
  const noAnswerReward = checkReward(options, 'noAnswerReward', 0);
  const binary = options.binary === true;
  const allowUnused = options.allowUnusedNumbers === true;
  const allowSuffix = options.allowTargetSuffix !== false;
  const rewardOf = (correct: boolean, formatOk: boolean): number => {
    if (binary) return correct ? 1 : 0;
    return correct ? correctReward : formatOk ? formatReward : noAnswerReward;
  };
  const noAnswer = (extracted: string | null, reason: string): VerificationResult => ({
    reward: rewardOf(false, false),
    correct: false,
    formatOk: false,
    extracted,
    reason,
  });
  const wrong = (extracted: string, reason: string): VerificationResult => ({
    reward: rewardOf(false, true),
    correct: false,
    formatOk: true,
    extracted,
    reason,
  });

  return withCappedExtracted({
    name: 'countdown',
    parseReference: parseCountdownReference,
    verify(completion: string, reference: CountdownReference): VerificationResult {
      assertReference(reference);
      if (typeof completion !== 'string') return noAnswer(null, 'no-answer: completion is not a string');
      const tag = extractAnswer(completion);
      if (tag === null) return noAnswer(null, 'no-answer');
      const extracted = tag.content.trim();
      if (tag.repeatedClose) return noAnswer(extracted, 'invalid-format: repeated </answer>');
      // An empty answer earns nothing: paying format credit for empty structure is a reward a policy
      // learns to farm (research anchors §B.11).
      if (extracted === '') return noAnswer(extracted, 'invalid-format: empty answer');
      const parsed = parseExpression(tag.content, allowSuffix ? { target: reference.target } : {});
      if (!parsed.ok) return wrong(extracted, parsed.reason);
      const { literals } = parsed.expression;
      const nums = reference.nums;
      const used: boolean[] = new Array<boolean>(nums.length).fill(false);
      // Left to right; the first offending literal is reported. At most nums.length + 1 literals are
      // examined before a verdict, so this stays O(nums²) whatever the answer's length.
      for (const literal of literals) {
        const value = literal.length <= 16 ? Number(literal) : NaN;
        if (!Number.isSafeInteger(value)) return wrong(extracted, `numbers-mismatch: ${shorten(literal)} not in nums`);
        let slot = -1;
        let present = false;
        for (let k = 0; k < nums.length; k++) {
          if (nums[k] === value) {
            present = true;
            if (!used[k]) {
              slot = k;
              break;
            }
          }
        }
        if (slot < 0) {
          return wrong(extracted, present ? `numbers-reused: ${value}` : `numbers-mismatch: ${literal} not in nums`);
        }
        used[slot] = true;
      }
      if (!allowUnused) {
        const unused = nums.filter((_, k) => !used[k]);
        if (unused.length > 0) return wrong(extracted, `unused-numbers: ${shorten(unused.join(', '), 60)}`);
      }
      const value = evaluate(parsed.expression);
      if (value === null) return wrong(extracted, 'division-by-zero');
      if (!equalsInteger(value, reference.target)) {
        return wrong(extracted, `wrong-value: ${shorten(format(value), 40)} ≠ ${reference.target}`);
      }
      return { reward: rewardOf(true, true), correct: true, formatOk: true, extracted, reason: 'correct' };
    },
  });
}
