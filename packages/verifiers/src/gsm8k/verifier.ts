/**
 * The GSM8K verifier: find the final answer of a completion (whole completion, no window), read it
 * as an exact number and compare it with the gold answer.
 *
 * Where the answer is taken from, by mode:
 * - `strict`: the last `#### N` (the GSM8K training format); nothing else counts.
 * - `flexible`: the last number of the completion.
 * - `auto` (default): the first of these that exists: the last `#### N`; else the last `\boxed{…}`
 *   holding a number; else the last "answer is N" / "answer: N"; else the last number.
 */

import { VerifierError } from '../errors.js';
import { lastBoxed } from '../text/boxed.js';
import type { VerificationResult, Verifier } from '../types.js';
import { allNumbers, canonicalFraction, lastNumber, numberAfter, readNumberAt, type NumberToken } from './numbers.js';

/** How the answer is located in the completion (see the module comment). */
export type Gsm8kMode = 'strict' | 'flexible' | 'auto';

/** Options of {@link gsm8k}. */
export interface Gsm8kOptions {
  /** Where the answer is read (default `auto`). */
  mode?: Gsm8kMode;
}

/** Where an answer was found, for logs and tests. */
export type AnswerSource = 'hash' | 'boxed' | 'phrase' | 'last-number';

/** What {@link extractGsm8kAnswer} found. */
export type Gsm8kAnswer =
  | { kind: 'number'; value: string; source: AnswerSource }
  /** A box with several numbers (`\boxed{3 or 4}`): an answer was given, but not one number. */
  | { kind: 'ambiguous'; text: string; source: 'boxed' };

/** The last `#### N`: occurrences of `####` from the end until one is followed by a number. O(n). */
export function lastHashAnswer(text: string): NumberToken | null {
  let from = text.length;
  while (from >= 0) {
    const p = text.lastIndexOf('####', from);
    if (p < 0) return null;
    if (text.charCodeAt(p + 4) !== 35) {
      const token = numberAfter(text, p + 4);
      if (token !== null) return token;
    }
    // Step over the whole run of '#' so that `#########…` costs its length once, not its square.
    let q = p;
    while (q > 0 && text.charCodeAt(q - 1) === 35) q--;
    from = q - 4;
  }
  return null;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * The last "answer is N", "answer: N" or "answer = N" (first letter of "answer" in either case, e.g.
 * "The final answer is $18."). Occurrences from the end until one is followed by a number.
 */
export function lastPhraseAnswer(text: string): NumberToken | null {
  let from = text.length;
  while (from >= 0) {
    const p = text.lastIndexOf('nswer', from);
    if (p < 1) return null;
    from = p - 1;
    const a = text.charCodeAt(p - 1);
    if ((a !== 97 && a !== 65) || isLetter(text.charCodeAt(p - 2))) continue;
    let i = p + 5;
    while (text.charCodeAt(i) === 32) i++;
    const c = text.charCodeAt(i);
    if (c === 105 /* i */ && text.charCodeAt(i + 1) === 115 /* s */ && !isLetter(text.charCodeAt(i + 2))) i += 2;
    else if (c !== 42 /* * (markdown: **Answer:** 18) */ && c !== 58 /* : */ && c !== 61 /* = */) continue;
    const token = numberAfter(text, i);
    if (token !== null) return token;
  }
  return null;
}

const FRAC = /^\\[dt]?frac\{(\d{1,30})\}\{(\d{1,30})\}$/;

/** The number in a box's content: one number (after the last `=`), a `\frac{a}{b}`, or ambiguous/none. */
function boxedNumber(content: string): { value: string } | 'none' | 'ambiguous' {
  const eq = content.lastIndexOf('=');
  let body = (eq >= 0 ? content.slice(eq + 1) : content).trim();
  let negative = false;
  if (body.startsWith('-') || body.startsWith('−')) {
    negative = true;
    body = body.slice(1).trimStart();
  }
  const frac = body.length <= 80 ? FRAC.exec(body) : null;
  if (frac !== null) {
    const denominator = BigInt(frac[2]!);
    if (denominator !== 0n) return { value: canonicalFraction(negative, BigInt(frac[1]!), denominator) };
  }
  const numbers = allNumbers(eq >= 0 ? content.slice(eq + 1) : content, 2);
  if (numbers.length === 0) return 'none';
  if (numbers.length > 1) return 'ambiguous';
  return { value: numbers[0]!.value };
}

/** Find the answer of `text` in the given mode, or null when there is none. Linear time, never throws. */
export function extractGsm8kAnswer(text: string, mode: Gsm8kMode = 'auto'): Gsm8kAnswer | null {
  if (mode !== 'flexible') {
    const hash = lastHashAnswer(text);
    if (hash !== null) return { kind: 'number', value: hash.value, source: 'hash' };
    if (mode === 'strict') return null;
    const box = lastBoxed(text);
    if (box !== null) {
      const inBox = boxedNumber(box.content);
      if (inBox === 'ambiguous') return { kind: 'ambiguous', text: box.content, source: 'boxed' };
      if (inBox !== 'none') return { kind: 'number', value: inBox.value, source: 'boxed' };
    }
    const phrase = lastPhraseAnswer(text);
    if (phrase !== null) return { kind: 'number', value: phrase.value, source: 'phrase' };
  }
  const last = lastNumber(text);
  return last === null ? null : { kind: 'number', value: last.value, source: 'last-number' };
}

/** A canonical value as produced by numbers.ts (`-`, no leading zeros, no trailing fractional zeros). */
const CANONICAL = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?$/;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  return typeof value === 'object' ? (value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object') : String(value);
}

/**
 * Normalise a GSM8K gold answer to its canonical value: a number, a bigint, a numeric string
 * (`"18"`, `"1,000"`, `"$18.00"`) or a whole GSM8K solution ending in `#### N` (read like a
 * completion in `auto` mode). Throws a {@link VerifierError} when no single number can be found.
 */
export function parseGsm8kReference(raw: unknown): string {
  if (typeof raw === 'bigint') return raw.toString();
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new VerifierError('reference', `expected a finite number, got ${raw}`);
    if (Number.isInteger(raw)) return BigInt(raw).toString();
    const text = String(raw);
    if (text.includes('e')) throw new VerifierError('reference', `the number ${text} is in exponent notation; pass the gold answer as a decimal string`);
    const token = readNumberAt(text, text.startsWith('-') ? 1 : 0);
    if (token === null) throw new VerifierError('reference', `cannot read the number ${text}`);
    return token.value;
  }
  if (typeof raw !== 'string') throw new VerifierError('reference', `expected a number or a string with the gold answer, got ${describe(raw)}`);
  const trimmed = raw.trim();
  if (CANONICAL.test(trimmed) && trimmed !== '-0') return trimmed;
  const answer = extractGsm8kAnswer(raw, 'auto');
  if (answer === null) throw new VerifierError('reference', `no number found in ${describe(raw)}`);
  if (answer.kind === 'ambiguous') throw new VerifierError('reference', `the boxed gold answer holds several numbers: ${describe(answer.text)}`);
  return answer.value;
}

/**
 * The GSM8K verifier: reward 1 when the extracted number equals the gold answer exactly, else 0.
 * `formatOk` is true when an answer was found (in strict mode: a `#### N`). Reasons: `correct`,
 * `wrong-answer: x ≠ gold`, `no-answer`, `ambiguous-answer: several numbers in \boxed{}`.
 */
export function gsm8k(options: Gsm8kOptions = {}): Verifier<string> {
  const mode = options.mode ?? 'auto';
  if (mode !== 'strict' && mode !== 'flexible' && mode !== 'auto') {
    throw new VerifierError('options.mode', `expected 'strict', 'flexible' or 'auto', got ${describe(mode)}`);
  }
  return {
    name: 'gsm8k',
    parseReference: parseGsm8kReference,
    verify(completion: string, reference: string): VerificationResult {
      // A reference passed straight to verify (not through parseReference) is normalised here; the
      // canonical case costs one anchored regular-expression test.
      const gold = typeof reference === 'string' && CANONICAL.test(reference) && reference !== '-0' ? reference : parseGsm8kReference(reference);
      if (typeof completion !== 'string') return { reward: 0, correct: false, formatOk: false, extracted: null, reason: 'no-answer: completion is not a string' };
      const answer = extractGsm8kAnswer(completion, mode);
      if (answer === null) return { reward: 0, correct: false, formatOk: false, extracted: null, reason: 'no-answer' };
      if (answer.kind === 'ambiguous') {
        const text = answer.text.length > 60 ? `${answer.text.slice(0, 60)}…` : answer.text;
        return { reward: 0, correct: false, formatOk: true, extracted: text, reason: 'ambiguous-answer: several numbers in \\boxed{}' };
      }
      const correct = answer.value === gold;
      const shown = answer.value.length > 40 ? `${answer.value.slice(0, 40)}…` : answer.value;
      return {
        reward: correct ? 1 : 0,
        correct,
        formatOk: true,
        extracted: answer.value,
        reason: correct ? 'correct' : `wrong-answer: ${shown} ≠ ${gold.length > 40 ? `${gold.slice(0, 40)}…` : gold}`,
      };
    },
  };
}
