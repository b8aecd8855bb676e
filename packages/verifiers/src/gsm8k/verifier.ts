/**
 * The GSM8K verifier: find the final answer of a completion (whole completion, no window), read it
 * as one whole numeric expression (expressions.ts) and compare its exact value with the gold answer.
 *
 * Reasoning is never graded: when the completion closes a `</think>`, only the text after the last
 * `</think>` is read, in every mode.
 *
 * ORDER OF SOURCES (the first that exists decides; later ones are not consulted):
 * 1. `auto` only: the last complete `<answer>…</answer>` pair (the R1-Zero template's tag). Its
 *    content (after its last `=`/`≈`) must hold exactly one expression: none → reward 0 (`no-answer`,
 *    the tag was the answer and it holds no number); several → `ambiguous-answer`.
 * 2. the last `#### N` (`strict` stops here). A `####` followed by text, not a number, is skipped.
 * 3. the last `\boxed{…}` holding an expression (after its last `=`): one → the answer; several →
 *    `ambiguous-answer`; none (`\boxed{\text{eighteen}}`) → skipped.
 * 4. the last "answer is N" / "answer: N" / "answer = N".
 * 5. the last expression of the text (`flexible` uses only this one).
 * A marker (`####`, "answer is") takes the one expression right after it; a second one joined to it
 * by "or", "to", "and", a comma or a relation (`#### 6 or 7`) makes it `ambiguous-answer`. A chosen
 * expression that is not a number (`\sqrt{2}`, `6th`, `6:30`, `10 - 4`) scores 0 (`not-a-number`):
 * never an earlier source or an earlier number instead, so writing the gold first and something else
 * last does not pay.
 */

import { VerifierError } from '../errors.js';
import { lastAnswerTag } from '../text/answer-tag.js';
import { lastBoxed } from '../text/boxed.js';
import type { VerificationResult, Verifier } from '../types.js';
import { allExpressions, lastExpression, readExpressionAt, startsExpression, type NumberToken } from './expressions.js';
import { checkDeadline } from '../deadline.js';
import { withCappedExtracted } from '../text/extracted.js';

/** How the answer is located in the completion (see the module comment). */
export type Gsm8kMode = 'strict' | 'flexible' | 'auto';

/** Options of {@link gsm8k}. */
export interface Gsm8kOptions {
  /** Where the answer is read (default `auto`). */
  mode?: Gsm8kMode;
}

/** Where an answer was found, for logs and tests. */
export type AnswerSource = 'answer-tag' | 'hash' | 'boxed' | 'phrase' | 'last-number';

/** What {@link extractGsm8kAnswer} found. */
export type Gsm8kAnswer =
  /** One number, with its canonical exact value and the expression as written. */
  | { kind: 'number'; value: string; text: string; source: AnswerSource }
  /** One numeric-looking expression without a rational value (`\sqrt{2}`, `6th`, `2024-06-06`). */
  | { kind: 'not-a-number'; text: string; why: string; source: AnswerSource }
  /** Several numbers where one was due (`\boxed{3 or 4}`, `#### 6 or 7`): hedging does not pay. */
  | { kind: 'ambiguous'; text: string; source: AnswerSource }
  /** A complete `<answer>…</answer>` pair holding no number. */
  | { kind: 'empty'; text: string; source: 'answer-tag' };

/** The text after the last `</think>` (all of it when there is none): answers inside the reasoning do not count. */
export function afterReasoning(text: string): string {
  const close = text.lastIndexOf('</think>');
  return close < 0 ? text : text.slice(close + 8);
}

function clip(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > 60 ? `${trimmed.slice(0, 60)}…` : trimmed;
}

function fromToken(token: NumberToken, source: AnswerSource): Gsm8kAnswer {
  const value = token.value;
  if (value === null) return { kind: 'not-a-number', text: token.source, why: token.why!, source };
  return { kind: 'number', value, text: token.source, source };
}

/** A relation other than equality: `x \le 6`, `x < 6`, `x \neq 6` state no single value. */
const INEQUALITY = /[<>≤≥≠]|\\(?:le|ge|leq|geq|neq|ne|lt|gt|leqslant|geqslant)(?![A-Za-z])/;

/**
 * Read the content of a box or an answer tag: the part after its last `=`/`≈`/`\approx` must hold
 * exactly one expression. Null when it holds none.
 */
function readSpan(content: string, source: AnswerSource): Gsm8kAnswer | null {
  const equals = Math.max(content.lastIndexOf('='), content.lastIndexOf('≈'));
  const approx = content.lastIndexOf('\\approx');
  const tail = content.slice(Math.max(equals + 1, approx >= 0 ? approx + 7 : 0));
  const tokens = allExpressions(tail, 2);
  if (tokens.length === 0) return null;
  if (tokens.length > 1) return { kind: 'ambiguous', text: clip(content), source };
  if (INEQUALITY.test(content)) {
    return { kind: 'not-a-number', text: clip(content), why: 'an inequality, not a value', source };
  }
  return fromToken(tokens[0]!, source);
}

/**
 * The last complete `<answer>…</answer>` pair (the shared reader of every verifier), read as a span;
 * null when there is no complete pair. A repeated `</answer>` after it changes nothing here.
 */
function answerTag(text: string): Gsm8kAnswer | null {
  const tag = lastAnswerTag(text);
  if (tag === null) return null;
  return readSpan(tag.content, 'answer-tag') ?? { kind: 'empty', text: clip(tag.content), source: 'answer-tag' };
}

/** How far past a marker (`####`, "answer is") the expression may start, so each marker costs O(1). */
const MAX_PREFIX = 64;

/**
 * The expression that follows position `i` after decoration only: whitespace, `:`, `=`, `*`
 * (markdown bold), `$`, `\$`, `\(`, `\[`, `\boxed{`, `\textbf{`, `{`, a sign. Null when something
 * else comes first.
 */
export function expressionAfter(text: string, i: number): NumberToken | null {
  const stop = Math.min(text.length, i + MAX_PREFIX);
  while (i < stop) {
    const c = text.charCodeAt(i);
    if (
      c === 32 ||
      c === 9 ||
      c === 10 ||
      c === 13 ||
      c === 0xa0 ||
      c === 58 ||
      c === 61 ||
      c === 42 ||
      c === 36 ||
      c === 123 ||
      c === 45 ||
      c === 0x2212
    ) {
      i++;
      continue;
    }
    if (c === 92 /* \ */ && !startsExpression(text, i)) {
      const next = text.charCodeAt(i + 1);
      if (next === 36 || next === 40 || next === 91) i += 2;
      else if (text.startsWith('\\boxed{', i)) i += 7;
      else if (text.startsWith('\\textbf{', i)) i += 8;
      else return null;
      continue;
    }
    break;
  }
  if (i >= stop || !startsExpression(text, i)) return null;
  return readExpressionAt(text, i);
}

/** A second value after the first, alone or joined by "or", "to", "and", "of", a comma or a relation: `6 7`, `6 or 7`, `6, 7`, `6 \text{ to } 8`, `6 of 10`. */
const HEDGE =
  /^(?:[ \t]+|\s*(?:[,;~–—<>≤≥≠]|(?:or|to|and|of|vs\.?)(?=\s))\s*(?:(?:maybe|perhaps|possibly)\s+)?[-−+]?\s*)(?:\d|\.\d|\\[dtc]?frac|\\sqrt)/;

/** Index of the last `=` in the rest of the sentence after `i` (up to a newline, `. ` or 200 characters), or -1. */
function lastEqualsInSentence(text: string, i: number): number {
  const stop = Math.min(text.length, i + 200);
  let found = -1;
  for (let j = i; j < stop; j++) {
    const c = text.charCodeAt(j);
    if (c === 10 || (c === 46 && (j + 1 >= text.length || /\s/.test(text[j + 1]!)))) break;
    if (c === 61) found = j;
  }
  return found;
}

/**
 * The answer a marker points at: its expression, or ambiguous when a hedge follows it. A worked
 * result in the same sentence counts like in a box: "The answer is 52 + 46 = 98." reads 98.
 */
function markerAnswer(text: string, first: NumberToken, source: AnswerSource): Gsm8kAnswer {
  const equals = lastEqualsInSentence(text, first.end);
  const token = (equals >= 0 ? expressionAfter(text, equals + 1) : null) ?? first;
  const after = text.slice(token.end, token.end + 48).replace(/\\(?:text|mathrm|textbf)\{|\\[,;! $]|[{}$]/g, ' ');
  if (HEDGE.test(after)) return { kind: 'ambiguous', text: clip(text.slice(token.start, token.end + 24)), source };
  return fromToken(token, source);
}

/** The expression of the last `#### N`: occurrences of `####` from the end until one is followed by an expression. O(n). */
export function lastHashAnswer(text: string): NumberToken | null {
  let from = text.length;
  while (from >= 0) {
    const p = text.lastIndexOf('####', from);
    if (p < 0) return null;
    checkDeadline();
    if (text.charCodeAt(p + 4) !== 35) {
      const token = expressionAfter(text, p + 4);
      if (token !== null) return token;
    }
    // Step over the whole run of '#' so that `#########…` costs its length once, not its square.
    let q = p;
    while (q > 0 && text.charCodeAt(q - 1) === 35) q--;
    from = q - 4;
  }
  return null;
}

/**
 * The expression of the last "answer is N", "answer: N" or "answer = N" (first letter of "answer" in
 * either case, e.g. "The final answer is $18."). Occurrences from the end until one is followed by an expression.
 */
export function lastPhraseAnswer(text: string): NumberToken | null {
  let from = text.length;
  while (from >= 0) {
    const p = text.lastIndexOf('nswer', from);
    if (p < 1) return null;
    checkDeadline();
    from = p - 1;
    const a = text.charCodeAt(p - 1);
    if ((a !== 97 && a !== 65) || isAsciiLetter(text.charCodeAt(p - 2))) continue;
    let i = p + 5;
    while (text.charCodeAt(i) === 32) i++;
    const c = text.charCodeAt(i);
    if (c === 105 /* i */ && text.charCodeAt(i + 1) === 115 /* s */ && !isAsciiLetter(text.charCodeAt(i + 2))) i += 2;
    else if (c !== 42 /* * (markdown: **Answer:** 18) */ && c !== 58 /* : */ && c !== 61 /* = */) continue;
    const token = expressionAfter(text, i);
    if (token !== null) return token;
  }
  return null;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Find the answer of `text` in the given mode (see the module comment for the order of sources), or null when there is none. Linear time, never throws. */
export function extractGsm8kAnswer(text: string, mode: Gsm8kMode = 'auto'): Gsm8kAnswer | null {
  const region = afterReasoning(text);
  if (mode !== 'flexible') {
    if (mode === 'auto') {
      const tag = answerTag(region);
      if (tag !== null) return tag;
    }
    const hash = lastHashAnswer(region);
    if (hash !== null) return markerAnswer(region, hash, 'hash');
    if (mode === 'strict') return null;
    const box = lastBoxed(region);
    const inBox = box === null ? null : readSpan(box.content, 'boxed');
    if (inBox !== null) return inBox;
    const phrase = lastPhraseAnswer(region);
    if (phrase !== null) return markerAnswer(region, phrase, 'phrase');
  }
  const last = lastExpression(region);
  return last === null ? null : fromToken(last, 'last-number');
}

/** A canonical value as produced by numbers.ts (`-`, no leading zeros, no trailing fractional zeros). */
const CANONICAL = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?$/;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  return typeof value === 'object'
    ? value === null
      ? 'null'
      : Array.isArray(value)
        ? 'an array'
        : 'an object'
    : String(value);
}

/**
 * Normalise a GSM8K gold answer to its canonical value: a number, a bigint, a numeric string
 * (`"18"`, `"1,000"`, `"$18.00"`, `"3/4"`) or a whole GSM8K solution ending in `#### N` (read like a
 * completion in `auto` mode). Throws a {@link VerifierError} when no single number can be found.
 */
export function parseGsm8kReference(raw: unknown): string {
  if (typeof raw === 'bigint') return raw.toString();
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new VerifierError('reference', `expected a finite number, got ${raw}`);
    if (Number.isInteger(raw)) return BigInt(raw).toString();
    const text = String(raw);
    if (!CANONICAL.test(text)) {
      throw new VerifierError(
        'reference',
        `the number ${text} is in exponent notation; pass the gold answer as a decimal string`,
      );
    }
    return text;
  }
  if (typeof raw !== 'string') {
    throw new VerifierError('reference', `expected a number or a string with the gold answer, got ${describe(raw)}`);
  }
  const trimmed = raw.trim();
  if (CANONICAL.test(trimmed) && trimmed !== '-0') return trimmed;
  const answer = extractGsm8kAnswer(raw, 'auto');
  if (answer === null || answer.kind === 'empty') {
    throw new VerifierError('reference', `no number found in ${describe(raw)}`);
  }
  if (answer.kind === 'ambiguous') {
    throw new VerifierError('reference', `the gold answer holds several numbers: ${describe(answer.text)}`);
  }
  if (answer.kind === 'not-a-number') {
    throw new VerifierError('reference', `the gold answer ${describe(answer.text)} is not a number (${answer.why})`);
  }
  return answer.value;
}

const WHERE: Record<AnswerSource, string> = {
  'answer-tag': '<answer>',
  hash: 'the #### answer',
  boxed: '\\boxed{}',
  phrase: 'the "answer is" phrase',
  'last-number': 'the last number',
};

/**
 * The GSM8K verifier: reward 1 when the extracted number equals the gold answer exactly, else 0.
 * `formatOk` is true when an answer was found (in strict mode: a `#### N`). Reasons: `correct`,
 * `wrong-answer: x ≠ gold`, `no-answer`, `ambiguous-answer: several numbers in …`, `not-a-number: …`.
 */
export function gsm8k(options: Gsm8kOptions = {}): Verifier<string> {
  const mode = options.mode ?? 'auto';
  if (mode !== 'strict' && mode !== 'flexible' && mode !== 'auto') {
    throw new VerifierError('options.mode', `expected 'strict', 'flexible' or 'auto', got ${describe(mode)}`);
  }
  return withCappedExtracted({
    name: 'gsm8k',
    parseReference: parseGsm8kReference,
    verify(completion: string, reference: string): VerificationResult {
      // A reference passed straight to verify (not through parseReference) is normalised here; the
      // canonical case costs one anchored regular-expression test.
      const gold =
        typeof reference === 'string' && CANONICAL.test(reference) && reference !== '-0'
          ? reference
          : parseGsm8kReference(reference);
      if (typeof completion !== 'string') {
        return {
          reward: 0,
          correct: false,
          formatOk: false,
          extracted: null,
          reason: 'no-answer: completion is not a string',
        };
      }
      const answer = extractGsm8kAnswer(completion, mode);
      if (answer === null) return { reward: 0, correct: false, formatOk: false, extracted: null, reason: 'no-answer' };
      switch (answer.kind) {
        case 'empty':
          return {
            reward: 0,
            correct: false,
            formatOk: false,
            extracted: answer.text,
            reason: 'no-answer: the <answer> tag holds no number',
          };
        case 'ambiguous':
          return {
            reward: 0,
            correct: false,
            formatOk: true,
            extracted: answer.text,
            reason: `ambiguous-answer: several numbers in ${WHERE[answer.source]}`,
          };
        case 'not-a-number':
          return {
            reward: 0,
            correct: false,
            formatOk: true,
            extracted: answer.text,
            reason: `not-a-number: ${answer.why}`,
          };
        default: {
          const correct = answer.value === gold;
          const shown = answer.value.length > 40 ? `${answer.value.slice(0, 40)}…` : answer.value;
          return {
            reward: correct ? 1 : 0,
            correct,
            formatOk: true,
            extracted: answer.value,
            reason: correct
              ? 'correct'
              : `wrong-answer: ${shown} ≠ ${gold.length > 40 ? `${gold.slice(0, 40)}…` : gold}`,
          };
        }
      }
    },
  });
}
