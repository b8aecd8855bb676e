/**
 * Plain numbers and exact values for GSM8K answers: a hand-written scanner (no regular expressions)
 * for `18`, `18.00`, `.5`, `1,000`, `1{,}000`, `1 000` (space, no-break, thin or `\,` grouping), the
 * sign before a number (`-`, `−` U+2212, in either order with `$`/`\$`), bigint rationals for the
 * forms that need arithmetic (fractions, powers, roots, scientific notation; see expressions.ts), and
 * the canonical text of a value, so that equality of values is equality of strings: no floating
 * point, no precision limit (a 10⁶-digit integer compares exactly).
 *
 * Canonical form: optional `-`, integer part without leading zeros, then `.` and the fractional digits
 * without trailing zeros when there are any (`18.00` → `18`, `-0` → `0`). A rational whose reduced
 * denominator has no prime factor other than 2 and 5 becomes the equal decimal (`3/4` → `0.75`);
 * any other stays `a/b` (`2/6` → `1/3`), which no decimal can equal.
 */

import { bitLength, decimalPlaces, fromDecimalDigits, normalize, pow, root, type Rational } from '../exact/rational.js';

/** An exact rational n/d with d > 0 (not necessarily reduced: a plain number keeps its written scale). */
export type { Rational };

/** Whether the character code is an ASCII digit. */
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Whether the character code is an ASCII letter. */
export function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** A character that makes a following `-` a binary minus (`10-5`, `x-5`, `(a)-5`), not a sign. */
function bindsMinus(c: number): boolean {
  return isDigit(c) || isLetter(c) || c === 41 || c === 93 || c === 125 || c === 95;
}

/** The thousands separator at `i` (its text), or null. Comma kinds: `,` `{,}`; space kinds: ` `, NBSP, thin, narrow NBSP, `\,`. */
function separatorAt(text: string, i: number): string | null {
  const c = text.charCodeAt(i);
  if (c === 44 || c === 32 || c === 0xa0 || c === 0x2009 || c === 0x202f) return text[i]!;
  if (c === 123 && text.charCodeAt(i + 1) === 44 && text.charCodeAt(i + 2) === 125) return '{,}';
  if (c === 92 && text.charCodeAt(i + 1) === 44) return '\\,';
  return null;
}

/** True when text[i..i+3) are three digits and text[i+3] is not a digit. */
function isGroup(text: string, i: number): boolean {
  return (
    isDigit(text.charCodeAt(i)) &&
    isDigit(text.charCodeAt(i + 1)) &&
    isDigit(text.charCodeAt(i + 2)) &&
    !isDigit(text.charCodeAt(i + 3))
  );
}

/**
 * A plain unsigned number in the text: where its integer digits (possibly with one kind of thousands
 * separator) and its fractional digits lie. Digits are not copied out until a value is asked for, so
 * that scanning a long completion allocates nothing per number.
 */
export interface PlainNumber {
  start: number;
  end: number;
  /** Integer part `[intStart, intEnd)`, separators included when `grouped`. */
  intStart: number;
  intEnd: number;
  /** Fractional digits `[fracStart, end)`; empty when fracStart === end. */
  fracStart: number;
  grouped: boolean;
}

/** Read the plain number that starts at `start` (a digit, or the `.` of `.5`), or null when none starts there. */
export function readPlainNumber(text: string, start: number): PlainNumber | null {
  const n = text.length;
  let i = start;
  const c0 = text.charCodeAt(i);
  if (c0 === 46 /* . */) {
    if (!isDigit(text.charCodeAt(i + 1))) return null;
    let j = i + 1;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    return { start, end: j, intStart: start, intEnd: start, fracStart: i + 1, grouped: false };
  }
  if (!isDigit(c0)) return null;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  let grouped = false;
  if (i - start <= 3) {
    const separator = separatorAt(text, i);
    if (separator !== null && isGroup(text, i + separator.length)) {
      grouped = true;
      while (text.startsWith(separator, i) && isGroup(text, i + separator.length)) i += separator.length + 3;
    }
  }
  const intEnd = i;
  if (text.charCodeAt(i) === 46 && isDigit(text.charCodeAt(i + 1))) {
    let j = i + 1;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    return { start, end: j, intStart: start, intEnd, fracStart: i + 1, grouped };
  }
  return { start, end: i, intStart: start, intEnd, fracStart: i, grouped };
}

/** The integer digits of a plain number, separators removed. */
export function integerDigits(text: string, p: PlainNumber): string {
  const raw = text.slice(p.intStart, p.intEnd);
  return p.grouped ? raw.replace(/\D/g, '') : raw;
}

/** Whether a plain number has no fractional digits. */
export function isInteger(p: PlainNumber): boolean {
  return p.fracStart === p.end;
}

/** Canonical decimal from a sign and digit strings (see the module comment). */
export function canonicalDecimal(negative: boolean, integer: string, fraction: string): string {
  let a = 0;
  while (a < integer.length - 1 && integer.charCodeAt(a) === 48) a++;
  let int = integer.slice(a);
  if (int === '') int = '0';
  let b = fraction.length;
  while (b > 0 && fraction.charCodeAt(b - 1) === 48) b--;
  const frac = fraction.slice(0, b);
  const body = frac === '' ? int : `${int}.${frac}`;
  return negative && body !== '0' ? `-${body}` : body;
}

/** Canonical value of a plain number with the given sign. */
export function plainValue(text: string, p: PlainNumber, negative: boolean): string {
  return canonicalDecimal(negative, integerDigits(text, p), text.slice(p.fracStart, p.end));
}

/** Longest digit count a plain number may have to take part in arithmetic (so that bigint work stays small). */
export const MAX_ARITHMETIC_DIGITS = 400;

/** The exact value of a plain number as a rational (not reduced: `3.0` is 30/10), or null when it is too long for arithmetic. */
export function plainRational(text: string, p: PlainNumber): Rational | null {
  const int = integerDigits(text, p);
  const frac = text.slice(p.fracStart, p.end);
  if (int.length + frac.length > MAX_ARITHMETIC_DIGITS) return null;
  return fromDecimalDigits(int, frac);
}

/** n/d reduced with d > 0, or null when d is 0 (the shared exact `normalize`). */
export { normalize as rational };

/**
 * Largest bit length a power or scientific-notation value may reach (≈ 1,233 decimal digits): GSM8K's
 * cap, far below MATH's 100,000 bits, because a GSM8K answer is an everyday quantity; a larger power
 * is refused (not a number) rather than computed.
 */
export const MAX_POWER_BITS = 4096;

/** base^k exactly for an integer k, or null when 0^negative or when the result would exceed {@link MAX_POWER_BITS}. */
export function power(base: Rational, k: number): Rational | null {
  if (k !== 0 && base.n !== 0n) {
    const size = Math.max(bitLength(base.n), bitLength(base.d));
    // |base| = 1 stays small whatever k is; otherwise the result has at least (size − 1)·|k| bits.
    if (size > 1 && (size - 1) * Math.abs(k) > MAX_POWER_BITS) return null;
  }
  return pow(base, BigInt(k));
}

/** Largest bit length a radicand may have (roots are checked exactly, so keep them small). */
export const MAX_ROOT_BITS = 4096;

/** The exact k-th root of q when it is rational (both parts perfect powers); null otherwise (irrational, even root of a negative, too large). */
export function exactRoot(q: Rational, k: number): Rational | null {
  if (bitLength(q.n) > MAX_ROOT_BITS || bitLength(q.d) > MAX_ROOT_BITS) return null;
  return root(q, k);
}

/** Canonical value of the fraction num/den (den > 0; see the module comment). */
export function canonicalFraction(negative: boolean, numerator: bigint, denominator: bigint): string {
  const q = normalize(numerator, denominator)!;
  if (q.n < 0n) negative = !negative;
  const n = q.n < 0n ? -q.n : q.n;
  const k = decimalPlaces(q.d);
  if (k === null) return `${negative ? '-' : ''}${n}/${q.d}`;
  const scaled = (n * 10n ** BigInt(k)) / q.d;
  const digits = scaled.toString().padStart(k + 1, '0');
  return canonicalDecimal(negative, digits.slice(0, digits.length - k), digits.slice(digits.length - k));
}

/** Canonical value of a rational. */
export function canonicalRational(q: Rational): string {
  return canonicalFraction(false, q.n, q.d);
}

/** Whether the number whose first character is at `start` carries a minus sign (looking back over `$`/`\$` and the sign, in either order). */
export function negativeBefore(text: string, start: number): boolean {
  let p = start;
  let currency = false;
  for (let step = 0; step < 2; step++) {
    const c = text.charCodeAt(p - 1);
    if (!currency && c === 36 /* $ */) {
      currency = true;
      p -= text.charCodeAt(p - 2) === 92 ? 2 : 1;
      continue;
    }
    if (c === 45 || c === 0x2212) return !bindsMinus(text.charCodeAt(p - 2));
    break;
  }
  return false;
}
