/**
 * Numeric expressions in free text, for GSM8K answers. A number is always read as the whole
 * expression it belongs to, never as a digit run cut out of one: `\frac{1}{6}` is 1/6 (never 6),
 * `1e6` is 1,000,000, `\sqrt{16}` is 4, `2^{6}` is 64, `2024-06-06` is a date, not 6.
 *
 * An expression is either a number (an exact value, see numbers.ts) or *not a number*: something
 * numeric-looking that has no single rational value (`\sqrt{2}`, `\frac{x}{6}`, `6th`, `6:30`,
 * `10 - 4`). A not-a-number that is chosen as the answer scores 0; its digits are never read.
 *
 * Evaluated exactly (bigint rationals):
 * - plain numbers with grouping, decimals, a sign and a currency mark (numbers.ts);
 * - fractions `a/b` (also with decimals: `3/4.5`), `\frac{a}{b}`, `\dfrac`, `\tfrac`, `\cfrac`,
 *   `\frac12`, nested; mixed numbers `2\frac{1}{2}`, `2 1/2`, `2½`, `2 and a half` (the fraction must
 *   be proper, else not a number);
 * - powers with an integer exponent `2^6`, `2^{6}`, `2**6`, `10^{-3}` (a digit run after `^` is one
 *   exponent, the plain-text reading: `2^10` = 1024); roots `\sqrt{16}`, `\sqrt[3]{27}`, `√16` when
 *   the value is rational; scientific notation `1e6`, `1.5E-3`, `2.5\times10^{3}`, `2.5 × 10^3`;
 *   scale words `6 million`, `1.5 billion`, `6 thousand` (a dozen stays a unit: "6 dozen" is 6).
 *
 * Not a number (consumed whole, so no digit inside is read later):
 * - dates, codes and versions `2024-06-06`, `06/06/2024`, `1-800-555-0199`, `1.2.3`; times and
 *   ratios `6:30`, `3:2`;
 * - ordinals `6th`, `1st`, `6^{th}` (a rank or "a 6th" = 1/6, never the cardinal 6);
 * - magnitude suffixes `6k`, `6M`, `6B`, `6bn` (ambiguous: kelvin, molar, bytes…);
 * - digits glued to letters on both sides or after them `6x6`, `0x6`; multiples of π;
 * - a number that is an operand of `+ − × ÷ * / \times \cdot \div` with another number and no `=`
 *   in between (`10 - 4`, `3 + 3`, `6-8`): an unevaluated expression or a range, not an answer;
 * - a number right before `)^` (the base of a bracketed power `(1/6)^2`);
 * - irrational roots, division by zero, non-integer or non-numeric exponents, non-numeric fraction
 *   parts, values beyond the size limits (numbers.ts), an unclosed brace after `\frac`, `\sqrt`,
 *   `^` or `_` (which swallows the rest of the text).
 *
 * Ignored (neither a number nor a not-a-number): digits inside words and identifiers (`x6`, `v6`,
 * `H2O`, `v1.2`), subscripts and superscripts of anything but a number (`x_6`, `a_{6}`, `x^{6}`,
 * `cm^2`), list markers at the start of a line (`6. Then…`, `6) Then…`), degree marks (`90^\circ`
 * is 90), unit words (`18kg`, `18 dollars` are 18), percent signs (`18%` is 18).
 *
 * All of it is one forward pass: every character is read a bounded number of times, so a scan is
 * linear in the text length whatever the input.
 */

import { add, div, mul, neg } from '../exact/rational.js';
import {
  canonicalRational,
  exactRoot,
  isInteger,
  negativeBefore,
  plainRational,
  plainValue,
  power,
  readPlainNumber,
  type PlainNumber,
  type Rational,
} from './numbers.js';
import { checkDeadline } from '../deadline.js';

type Value = { kind: 'plain'; p: PlainNumber } | { kind: 'exact'; q: Rational } | { kind: 'nan'; why: string };

const nan = (why: string): Value => ({ kind: 'nan', why });

/** A numeric expression found in a text: a number, or something numeric-looking that is not one. */
export class NumberToken {
  constructor(
    /** The text the expression was read from. */
    readonly text: string,
    /** Index of its first character (a digit, `.`, `\` of `\frac`/`\sqrt`, `√` or a vulgar fraction); a sign or currency mark before it is not included. */
    readonly start: number,
    /** Index just past it. */
    readonly end: number,
    private readonly val: Value,
    private readonly negative: boolean,
  ) {}

  /** Canonical exact value (numbers.ts), or null when this is not a number. Computed on demand. */
  get value(): string | null {
    const { val } = this;
    if (val.kind === 'plain') return plainValue(this.text, val.p, this.negative);
    if (val.kind === 'exact') return canonicalRational(this.negative ? neg(val.q) : val.q);
    return null;
  }

  /** Why this is not a number (null when it is one). */
  get why(): string | null {
    return this.val.kind === 'nan' ? this.val.why : null;
  }

  /** The exact value as a rational (for fraction parts, exponents…), or a reason when there is none. */
  rational(): Rational | string {
    const { val } = this;
    if (val.kind === 'nan') return val.why;
    const q = val.kind === 'exact' ? val.q : plainRational(this.text, val.p);
    if (q === null) return 'a number too long for exact arithmetic';
    return this.negative ? neg(q) : q;
  }

  /** The expression as written (at most 60 characters), for reasons and logs. */
  get source(): string {
    return this.end - this.start > 60
      ? `${this.text.slice(this.start, this.start + 60)}…`
      : this.text.slice(this.start, this.end);
  }
}

/** How far lookarounds for operators, scale words and the like reach (so each costs O(1)). */
const LOOK = 16;
/** Longest brace group whose content is evaluated (a longer one is consumed as not a number). */
const MAX_GROUP = 200;

const FRACTION_COMMANDS = new Set(['frac', 'dfrac', 'tfrac', 'cfrac']);
const SCALE_WORDS = new Map([
  ['hundred', 2],
  ['thousand', 3],
  ['million', 6],
  ['billion', 9],
  ['trillion', 12],
]);
const ORDINAL_SUFFIXES = new Set(['st', 'nd', 'rd', 'th', 'ST', 'ND', 'RD', 'TH', 'Th']);
const MAGNITUDE_SUFFIXES = new Set(['k', 'K', 'M', 'B', 'bn', 'mn', 'Bn']);
const VULGAR_FRACTIONS = new Map<number, [number, number]>([
  [0xbd, [1, 2]],
  [0x2153, [1, 3]],
  [0x2154, [2, 3]],
  [0xbc, [1, 4]],
  [0xbe, [3, 4]],
  [0x2155, [1, 5]],
  [0x2156, [2, 5]],
  [0x2157, [3, 5]],
  [0x2158, [4, 5]],
  [0x2159, [1, 6]],
  [0x215a, [5, 6]],
  [0x215b, [1, 8]],
  [0x215c, [3, 8]],
  [0x215d, [5, 8]],
  [0x215e, [7, 8]],
]);
const SQRT_SIGN = 0x221a;
const PI_SIGN = 0x3c0;

// Local copies of the hottest character tests: a call through an imported binding costs a getter
// call per character once transpiled to CommonJS (jest, tsx), which dominated long scans.
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isAlnum(c: number): boolean {
  return isDigit(c) || isLetter(c);
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 0xa0;
}

function skipBlanks(text: string, i: number, max = LOOK): number {
  const stop = i + max;
  while (i < stop && isBlank(text.charCodeAt(i))) i++;
  return i;
}

/** The LaTeX command name (letters) after the backslash at `i`, without copying when there is none. */
function commandName(text: string, i: number): string {
  let j = i + 1;
  while (isLetter(text.charCodeAt(j))) j++;
  return j === i + 1 ? '' : text.slice(i + 1, j);
}

/** Whether `text` has the command `\name` at `i`, not followed by another letter (`\times` but not `\timesx`). */
function hasCommand(text: string, i: number, name: string): boolean {
  return text.charCodeAt(i) === 92 && text.startsWith(name, i + 1) && !isLetter(text.charCodeAt(i + 1 + name.length));
}

/** Index of the `}` matching the `{` at `open` (escaped braces do not count), or -1 when it never closes. */
function matchBrace(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 92) j++;
    else if (c === 123) depth++;
    else if (c === 125 && --depth === 0) return j;
  }
  return -1;
}

/** Index just past a chain like `-06-06`, `/06/2024`, `.2.3`, `:30:15` (separator code `sep` followed by digits). */
function skipChain(text: string, i: number, sep: number): number {
  while (text.charCodeAt(i) === sep && isDigit(text.charCodeAt(i + 1))) {
    i++;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  return i;
}

function skipDigits(text: string, i: number): number {
  while (isDigit(text.charCodeAt(i))) i++;
  return i;
}

/** Whether an expression starts at `i` when scanning forward. */
export function startsExpression(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (isDigit(c)) return true;
  if (c === 46) return isDigit(text.charCodeAt(i + 1)) && !isDigit(text.charCodeAt(i - 1));
  if (c === 92) {
    const name = commandName(text, i);
    return FRACTION_COMMANDS.has(name) || name === 'sqrt';
  }
  return c === SQRT_SIGN || VULGAR_FRACTIONS.has(c);
}

/** As a rational, or the reason there is none. */
function exactOf(text: string, value: Value): Rational | string {
  if (value.kind === 'nan') return value.why;
  if (value.kind === 'exact') return value.q;
  return plainRational(text, value.p) ?? 'a number too long for exact arithmetic';
}

function combine(
  a: Rational | string,
  b: Rational | string,
  op: (x: Rational, y: Rational) => Rational | null,
  whyNull: string,
): Value {
  if (typeof a === 'string') return nan(a);
  if (typeof b === 'string') return nan(b);
  const q = op(a, b);
  return q === null ? nan(whyNull) : { kind: 'exact', q };
}

interface Atom {
  end: number;
  value: Value;
}

/**
 * The value of a brace group's or an argument's content when it is exactly one expression (a sign
 * allowed in front); not a number otherwise (`x`, `1+2`, empty).
 */
function soleValue(content: string): Rational | string {
  let i = 0;
  while (i < content.length) {
    const c = content.charCodeAt(i);
    if (isBlank(c) || c === 43 /* + */ || c === 45 || c === 0x2212 || c === 36 /* $ */) i++;
    else if (c === 92 && (content.charCodeAt(i + 1) === 36 || content.charCodeAt(i + 1) === 44)) i += 2;
    else break;
  }
  const token = startsExpression(content, i) ? readExpressionAt(content, i) : null;
  if (token === null) return 'a non-numeric part';
  let j = token.end;
  while (j < content.length && (isBlank(content.charCodeAt(j)) || content.charCodeAt(j) === 10)) j++;
  if (j < content.length) return 'several terms in one part';
  return token.rational();
}

/** A `{…}` group, a single digit (TeX's `\frac12`), or anything else (not a number) at `i`. */
function readArgument(text: string, i: number): Atom & { bareDigit: boolean } {
  const j = skipBlanks(text, i, 4);
  const c = text.charCodeAt(j);
  if (c === 123) {
    const close = matchBrace(text, j);
    if (close < 0) return { end: text.length, value: nan('an unclosed brace'), bareDigit: false };
    if (close - j - 1 > MAX_GROUP) {
      return { end: close + 1, value: nan('a part too long to evaluate'), bareDigit: false };
    }
    const q = soleValue(text.slice(j + 1, close));
    return { end: close + 1, value: typeof q === 'string' ? nan(q) : { kind: 'exact', q }, bareDigit: false };
  }
  if (isDigit(c)) return { end: j + 1, value: { kind: 'exact', q: { n: BigInt(c - 48), d: 1n } }, bareDigit: true };
  if (c === 92) {
    return {
      end: j + 1 + Math.max(1, commandName(text, j).length),
      value: nan('a non-numeric part'),
      bareDigit: false,
    };
  }
  return { end: Math.min(text.length, j + 1), value: nan('a non-numeric part'), bareDigit: false };
}

/** `\frac`-like at `i` (the backslash), `name` its command name. */
function readFraction(text: string, i: number, name: string): Atom {
  const top = readArgument(text, i + 1 + name.length);
  const bottom = readArgument(text, top.end);
  // `\frac123` is (1/2)·3 in TeX: a reading nobody means; not a number, and its digits are consumed.
  if (bottom.bareDigit && isDigit(text.charCodeAt(bottom.end))) {
    let end = bottom.end;
    while (isDigit(text.charCodeAt(end))) end++;
    return { end, value: nan('digits glued after a fraction') };
  }
  return {
    end: bottom.end,
    value: combine(exactOf(text, top.value), exactOf(text, bottom.value), div, 'division by zero'),
  };
}

/** `\sqrt{…}`, `\sqrt[k]{…}` at `i` (the backslash). */
function readSqrt(text: string, i: number): Atom {
  let j = skipBlanks(text, i + 5, 4);
  let k = 2;
  let why: string | null = null;
  if (text.charCodeAt(j) === 91 /* [ */) {
    // Searched within 32 characters only, so that `\sqrt[\sqrt[…` costs O(1) per root.
    let close = j + 1;
    while (close < j + 32 && close < text.length && text.charCodeAt(close) !== 93) close++;
    if (text.charCodeAt(close) !== 93) return { end: j + 1, value: nan('an unclosed root index') };
    const index = soleValue(text.slice(j + 1, close));
    if (typeof index === 'string' || index.d !== 1n || index.n < 2n || index.n > 64n) {
      why = 'a root index that is not an integer from 2 to 64';
    } else k = Number(index.n);
    j = close + 1;
  }
  const arg = readArgument(text, j);
  if (arg.bareDigit && isDigit(text.charCodeAt(arg.end))) {
    let end = arg.end;
    while (isDigit(text.charCodeAt(end))) end++;
    return { end, value: nan('digits glued after a root') };
  }
  return { end: arg.end, value: why === null ? rootOf(text, arg.value, k) : nan(why) };
}

function rootOf(text: string, radicand: Value, k: number): Value {
  const q = exactOf(text, radicand);
  if (typeof q === 'string') return nan(q);
  const root = exactRoot(q, k);
  return root === null ? nan('an irrational root') : { kind: 'exact', q: root };
}

/** `√16` at `i`: the root of the plain number right after the sign. */
function readRootSign(text: string, i: number): Atom {
  const p = readPlainNumber(text, i + 1);
  if (p === null) return { end: i + 1, value: nan('a root of something that is not a number') };
  return { end: p.end, value: rootOf(text, { kind: 'plain', p }, 2) };
}

type Exponent = { end: number; k: number | null; degree: boolean; why: string };

/** The exponent after `^` (or `**`) at `i`: `{…}` (an integer), a digit run with an optional sign, `\circ` (degrees). */
function readExponent(text: string, i: number): Exponent {
  const c = text.charCodeAt(i);
  if (hasCommand(text, i, 'circ')) return { end: i + 5, k: null, degree: true, why: '' };
  if (c === 123) {
    const close = matchBrace(text, i);
    if (close < 0) return { end: text.length, k: null, degree: false, why: 'an unclosed brace' };
    const content = text.slice(i + 1, Math.min(close, i + 1 + MAX_GROUP));
    if (content.trim() === '\\circ') return { end: close + 1, k: null, degree: true, why: '' };
    const q = close - i - 1 > MAX_GROUP ? 'a part too long to evaluate' : soleValue(content);
    if (typeof q === 'string') return { end: close + 1, k: null, degree: false, why: `${q} in an exponent` };
    return integerExponent(q, close + 1);
  }
  let j = i;
  if (c === 45 || c === 0x2212 || c === 43) j++;
  const digitsStart = j;
  while (isDigit(text.charCodeAt(j))) j++;
  if (j > digitsStart) {
    if (j - digitsStart > 7) return { end: j, k: null, degree: false, why: 'a power too large to be an answer' };
    const k = Number(text.slice(digitsStart, j));
    return { end: j, k: c === 45 || c === 0x2212 ? -k : k, degree: false, why: '' };
  }
  const end = c === 92 ? i + 1 + Math.max(1, commandName(text, i).length) : Math.min(text.length, i + 1);
  return { end, k: null, degree: false, why: 'a non-numeric exponent' };
}

function integerExponent(q: Rational, end: number): Exponent {
  if (q.d !== 1n || q.n > 10_000_000n || q.n < -10_000_000n) {
    return { end, k: null, degree: false, why: 'a non-integer or huge exponent' };
  }
  return { end, k: Number(q.n), degree: false, why: '' };
}

function raise(text: string, base: Value, exponent: Exponent): Value {
  if (exponent.degree) return base;
  if (exponent.k === null) return nan(exponent.why);
  const q = exactOf(text, base);
  if (typeof q === 'string') return nan(q);
  const result = power(q, exponent.k);
  return result === null
    ? nan('a power too large to be an answer, or 0 to a negative power')
    : { kind: 'exact', q: result };
}

/** A power sign at `i`: `^`, or `**` followed by a digit (Python). Its length, or 0. */
function powerSignAt(text: string, i: number): number {
  if (text.charCodeAt(i) === 94) return 1;
  return text.charCodeAt(i) === 42 && text.charCodeAt(i + 1) === 42 && isDigit(text.charCodeAt(i + 2)) ? 2 : 0;
}

/** `value × 10^k`, for scientific notation and scale words. */
function timesTenTo(text: string, value: Value, k: number): Value {
  return combine(exactOf(text, value), power({ n: 10n, d: 1n }, k) ?? 'a power too large to be an answer', mul, '');
}

/**
 * Read a numeral at `start` (a digit or `.digit`) with everything glued to it that changes its
 * meaning: a fraction bar, date/version/time chains, scientific `e`, a power, letters (ordinal,
 * magnitude, unit), a mixed-number fraction, scale words, `× 10^k`.
 */
function readNumeral(text: string, start: number): Atom {
  const p = readPlainNumber(text, start)!;
  let end = p.end;
  let value: Value = { kind: 'plain', p };
  const c = text.charCodeAt(end);
  const next = text.charCodeAt(end + 1);
  if (c === 47 /* / */ && isDigit(next) && !p.grouped) {
    const q = readPlainNumber(text, end + 1)!;
    if (text.charCodeAt(q.end) === 47 && isDigit(text.charCodeAt(q.end + 1))) {
      return { end: skipChain(text, q.end, 47), value: nan('a date (several fraction bars)') };
    }
    value = combine(exactOf(text, value), exactOf(text, { kind: 'plain', p: q }), div, 'division by zero');
    end = q.end;
  } else if (c === 46 && isDigit(next)) {
    return { end: skipChain(text, end, 46), value: nan('a version or date (several decimal points)') };
  } else if ((c === 45 || c === 0x2013) && isDigit(next) && isInteger(p)) {
    // `2024-06-06`, `1-800-555-0199`: two or more hyphens between digit runs make a date or a code.
    const second = skipDigits(text, end + 1);
    if (text.charCodeAt(second) === c && isDigit(text.charCodeAt(second + 1))) {
      return { end: skipChain(text, end, c), value: nan('a date or a hyphenated code') };
    }
  } else if (c === 58 /* : */ && isDigit(next) && isInteger(p) && !p.grouped) {
    return { end: skipChain(text, end, 58), value: nan('a time or a ratio') };
  } else if ((c === 101 || c === 69) /* e E */ && value.kind === 'plain') {
    const sci = readScientificE(text, end);
    if (sci !== null) {
      value = timesTenTo(text, value, sci.k);
      end = sci.end;
    }
  }
  const powerSign = powerSignAt(text, end);
  if (powerSign > 0) {
    const exponent = readExponent(text, end + powerSign);
    value = raise(text, value, exponent);
    end = exponent.end;
  }
  if (isLetter(text.charCodeAt(end))) {
    const glued = readGluedLetters(text, end, value);
    if (glued !== null) return glued;
  }
  if (value.kind === 'plain' && end === p.end && isInteger(p)) {
    const mixed = readMixedFraction(text, end, value);
    if (mixed !== null) return mixed;
  }
  if (value.kind !== 'nan') return readScaleAndTimesTen(text, { end, value });
  return { end, value };
}

/** `e6`, `E-3`, `e+6` at `i` (the `e`) when digits follow and no letter or digit comes after them. */
function readScientificE(text: string, i: number): { end: number; k: number } | null {
  let j = i + 1;
  const sign = text.charCodeAt(j);
  if (sign === 43 || sign === 45 || sign === 0x2212) j++;
  const digitsStart = j;
  while (isDigit(text.charCodeAt(j)) && j - digitsStart < 8) j++;
  if (j === digitsStart || isAlnum(text.charCodeAt(j))) return null;
  const k = Number(text.slice(digitsStart, j));
  return { end: j, k: sign === 45 || sign === 0x2212 ? -k : k };
}

/** Letters right after a numeral: digits after them, an ordinal, a magnitude suffix, a scale word; null for a unit (the number stands). */
function readGluedLetters(text: string, i: number, value: Value): Atom | null {
  let j = i;
  while (isLetter(text.charCodeAt(j))) j++;
  if (isDigit(text.charCodeAt(j))) {
    if (j === i + 1 && text.charCodeAt(i) === 120 && timesTenAt(text, i) !== null) return null; // `4x10^2`
    while (isAlnum(text.charCodeAt(j))) j++;
    return { end: j, value: nan('digits glued to letters') };
  }
  if (j - i > 8) return null;
  const word = text.slice(i, j);
  if (ORDINAL_SUFFIXES.has(word)) return { end: j, value: nan('an ordinal') };
  if (MAGNITUDE_SUFFIXES.has(word)) {
    return { end: j, value: nan('a magnitude suffix (k, M, B: thousand? kelvin? bytes?)') };
  }
  const scale = SCALE_WORDS.get(word.toLowerCase());
  if (scale !== undefined) return readScaleAndTimesTen(text, { end: j, value: timesTenTo(text, value, scale) });
  return null;
}

/** A mixed number's fraction after the integer that ends at `i`: `2\frac12`, `2 1/2`, `2½`, `2 and a half`. Null when none follows. */
function readMixedFraction(text: string, i: number, whole: Value): Atom | null {
  const j = skipBlanks(text, i, 2);
  let fraction: Atom | null = null;
  const c = text.charCodeAt(j);
  if (c === 92) {
    const name = commandName(text, j);
    if (FRACTION_COMMANDS.has(name)) fraction = readFraction(text, j, name);
  } else if (VULGAR_FRACTIONS.has(c)) {
    fraction = readVulgar(c, j);
  } else if (j === i + 1 && isDigit(c)) {
    fraction = plainProperFraction(text, j);
  } else if (text.startsWith(' and a half', i) && !isLetter(text.charCodeAt(i + 11))) {
    fraction = { end: i + 11, value: { kind: 'exact', q: { n: 1n, d: 2n } } };
  } else if (text.startsWith(' and a quarter', i) && !isLetter(text.charCodeAt(i + 14))) {
    fraction = { end: i + 14, value: { kind: 'exact', q: { n: 1n, d: 4n } } };
  }
  if (fraction === null) return null;
  const f = exactOf(text, fraction.value);
  if (typeof f !== 'string' && (f.n < 0n || f.n >= f.d)) {
    return { end: fraction.end, value: nan('an integer next to an improper fraction') };
  }
  return { end: fraction.end, value: combine(exactOf(text, whole), f, add, '') };
}

/** `a/b` of plain integers with a < b at `i` (the second part of `2 1/2`), or null. */
function plainProperFraction(text: string, i: number): Atom | null {
  const a = readPlainNumber(text, i)!;
  if (a.grouped || !isInteger(a) || text.charCodeAt(a.end) !== 47 || !isDigit(text.charCodeAt(a.end + 1))) return null;
  const b = readPlainNumber(text, a.end + 1)!;
  const after = text.charCodeAt(b.end);
  const decimal = after === 46 && isDigit(text.charCodeAt(b.end + 1));
  if (b.grouped || !isInteger(b) || after === 47 || decimal || isAlnum(after) || b.end - i > 24) return null;
  const n = BigInt(text.slice(i, a.end));
  const d = BigInt(text.slice(a.end + 1, b.end));
  return n < d ? { end: b.end, value: { kind: 'exact', q: { n, d } } } : null;
}

function readVulgar(c: number, i: number): Atom {
  const [n, d] = VULGAR_FRACTIONS.get(c)!;
  return { end: i + 1, value: { kind: 'exact', q: { n: BigInt(n), d: BigInt(d) } } };
}

/** After a number: spaced scale words (`6 million`) and scientific `× 10^k` (`2.5\times10^{3}`, `2.5 x 10^3`). */
function readScaleAndTimesTen(text: string, atom: Atom): Atom {
  let { end, value } = atom;
  for (let step = 0; step < 3; step++) {
    const j = skipBlanks(text, end, 2);
    if (j === end || !isLetter(text.charCodeAt(j))) break;
    let w = j;
    while (isLetter(text.charCodeAt(w)) && w - j < 9) w++;
    const scale = isLetter(text.charCodeAt(w)) ? undefined : SCALE_WORDS.get(text.slice(j, w).toLowerCase());
    if (scale === undefined) break;
    value = timesTenTo(text, value, scale);
    end = w;
  }
  const times = timesTenAt(text, end);
  if (times !== null) {
    const exponent = readExponent(text, times);
    const tenth = raise(text, { kind: 'exact', q: { n: 10n, d: 1n } }, exponent);
    return {
      end: exponent.end,
      value: exponent.degree
        ? nan('a non-numeric exponent')
        : combine(exactOf(text, value), exactOf(text, tenth), mul, ''),
    };
  }
  return { end, value };
}

/** Where the exponent starts when `× 10^` (any multiplication sign) follows at `i`; null otherwise. */
function timesTenAt(text: string, i: number): number | null {
  let j = skipBlanks(text, i, 3);
  const c = text.charCodeAt(j);
  if (hasCommand(text, j, 'times')) j += 6;
  else if (hasCommand(text, j, 'cdot')) j += 5;
  else if (
    c === 0xd7 ||
    c === 0xb7 ||
    c === 0x22c5 ||
    (c === 42 && text.charCodeAt(j + 1) !== 42) ||
    c === 120 /* x */
  ) {
    j += 1;
  } else return null;
  j = skipBlanks(text, j, 3);
  return text.charCodeAt(j) === 49 && text.charCodeAt(j + 1) === 48 && text.charCodeAt(j + 2) === 94 ? j + 3 : null;
}

/** The expression atom at `start`: a numeral, `\frac…`, `\sqrt…`, `√n` or a vulgar fraction, with a trailing power. */
function readAtom(text: string, start: number): Atom | null {
  const c = text.charCodeAt(start);
  let atom: Atom;
  if (isDigit(c) || c === 46) return readNumeral(text, start);
  if (c === 92) {
    const name = commandName(text, start);
    if (FRACTION_COMMANDS.has(name)) atom = readFraction(text, start, name);
    else if (name === 'sqrt') atom = readSqrt(text, start);
    else return null;
  } else if (c === SQRT_SIGN) {
    atom = readRootSign(text, start);
  } else if (VULGAR_FRACTIONS.has(c)) {
    atom = readVulgar(c, start);
  } else {
    return null;
  }
  const powerSign = powerSignAt(text, atom.end);
  if (powerSign === 0) return atom;
  const exponent = readExponent(text, atom.end + powerSign);
  return { end: exponent.end, value: raise(text, atom.value, exponent) };
}

/** After an atom: `π`/`\pi` (a multiple of π, not a number) or, after a numeral, a `\sqrt` factor (`3\sqrt{4}` = 6). */
function readJuxtaposed(text: string, atom: Atom, numeral: boolean): Atom {
  const j = skipBlanks(text, atom.end, 2);
  if (text.charCodeAt(j) === PI_SIGN) return { end: j + 1, value: nan('a multiple of π') };
  if (hasCommand(text, j, 'pi')) return { end: j + 3, value: nan('a multiple of π') };
  if (numeral && hasCommand(text, j, 'sqrt')) {
    const root = readSqrt(text, j);
    return { end: root.end, value: combine(exactOf(text, atom.value), exactOf(text, root.value), mul, '') };
  }
  return atom;
}

/**
 * Whether the minus at `i` is a sign rather than an operator: a blank before it and none after it
 * (`3 -5` is a list of 3 and −5; `3 - 5` and `3-5` are differences).
 */
function isSignMinus(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return (c === 45 || c === 0x2212) && isBlank(text.charCodeAt(i - 1)) && !isBlank(text.charCodeAt(i + 1));
}

/** Length of the arithmetic operator at `i` (`+ - − – * × ÷ · / \times \cdot \div`, a lone ` x `), or 0. */
function operatorAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (isSignMinus(text, i)) return 0;
  if (
    c === 43 ||
    c === 45 ||
    c === 0x2212 ||
    c === 0x2013 ||
    c === 0xd7 ||
    c === 0xf7 ||
    c === 0xb7 ||
    c === 0x22c5 ||
    c === 47
  ) {
    return 1;
  }
  if (c === 42) return text.charCodeAt(i + 1) === 42 ? 2 : 1;
  if (c === 120) return isBlank(text.charCodeAt(i - 1)) && isBlank(text.charCodeAt(i + 1)) ? 1 : 0;
  if (c === 92) {
    if (hasCommand(text, i, 'times')) return 6;
    if (hasCommand(text, i, 'cdot') || hasCommand(text, i, 'div')) return 5;
  }
  return 0;
}

/** Length of the arithmetic operator that ends at `i` (inclusive), or 0. */
function operatorEndingAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (isSignMinus(text, i)) return 0;
  if (
    c === 43 ||
    c === 45 ||
    c === 0x2212 ||
    c === 0x2013 ||
    c === 0xd7 ||
    c === 0xf7 ||
    c === 0xb7 ||
    c === 0x22c5 ||
    c === 47
  ) {
    return 1;
  }
  if (c === 42) return text.charCodeAt(i - 1) === 42 ? 2 : 1;
  if (c === 120) return isBlank(text.charCodeAt(i - 1)) && isBlank(text.charCodeAt(i + 1)) ? 1 : 0;
  if (isLetter(c)) {
    for (const name of ['times', 'cdot', 'div']) {
      if (i - name.length >= 0 && hasCommand(text, i - name.length, name)) return name.length + 1;
    }
  }
  return 0;
}

/** Whether an operand starts at `i`: brackets, a sign or a currency mark, then an expression. */
function startsOperand(text: string, i: number): boolean {
  for (let step = 0; step < 4; step++) {
    const c = text.charCodeAt(i);
    if (c === 40 || c === 45 || c === 0x2212 || c === 36) i++;
    else if (c === 92 && text.charCodeAt(i + 1) === 36) i += 2;
    else if (hasCommand(text, i, 'left') && text.charCodeAt(i + 5) === 40) i += 6;
    else break;
  }
  return startsExpression(text, i);
}

/** Whether something that can be the other operand ends at `i` (inclusive): a digit, a closing bracket, `%`, a vulgar fraction. */
function endsOperand(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return isDigit(c) || c === 41 || c === 93 || c === 125 || c === 37 || VULGAR_FRACTIONS.has(c);
}

/** Why the expression `[start, end)` is not an answer by itself because of what surrounds it, or null. */
function contextProblem(text: string, start: number, end: number): string | null {
  // `(1/6)^2`: the number is the base of a bracketed power.
  let j = end;
  let closed = false;
  for (let step = 0; step < 6; step++) {
    const c = text.charCodeAt(j);
    if (c === 41 || c === 93) {
      closed = true;
      j++;
    } else if (isBlank(c)) j++;
    else if (hasCommand(text, j, 'right')) j += 6;
    else break;
  }
  if (closed && text.charCodeAt(j) === 94) return 'the base of a power in brackets';
  // `10 - 4`, `3 × (4 + 2)`: an operand with another number on the other side.
  j = skipBlanks(text, end);
  const op = operatorAt(text, j);
  if (op > 0 && startsOperand(text, skipBlanks(text, j + op))) return 'part of an unevaluated expression or a range';
  let k = start - 1;
  if (text.charCodeAt(k) === 36) k -= text.charCodeAt(k - 1) === 92 ? 2 : 1;
  while (k > start - LOOK && isBlank(text.charCodeAt(k))) k--;
  const back = operatorEndingAt(text, k);
  if (back > 0) {
    let m = k - back;
    const stop = m - LOOK;
    while (m > stop && isBlank(text.charCodeAt(m))) m--;
    if (m >= 0 && endsOperand(text, m)) return 'part of an unevaluated expression or a range';
  }
  return null;
}

/**
 * Read the whole numeric expression that starts at `start` (where {@link startsExpression} holds).
 * Its sign comes from the characters before it. Null when no expression starts there.
 */
export function readExpressionAt(text: string, start: number): NumberToken | null {
  const atom = readAtom(text, start);
  if (atom === null) return null;
  const { end, value } = readJuxtaposed(text, atom, isDigit(text.charCodeAt(start)) || text.charCodeAt(start) === 46);
  const problem = value.kind === 'nan' ? null : contextProblem(text, start, end);
  return new NumberToken(text, start, end, problem === null ? value : nan(problem), negativeBefore(text, start));
}

/** Index just past the subscript or superscript whose `_`/`^` is at `i`. */
function skipScript(text: string, i: number): number {
  const j = i + 1;
  const c = text.charCodeAt(j);
  if (c === 123) {
    const close = matchBrace(text, j);
    return close < 0 ? text.length : close + 1;
  }
  if (c === 92) return j + 1 + Math.max(1, commandName(text, j).length);
  let k = j;
  if (c === 45 || c === 0x2212 || c === 43) k++;
  if (isDigit(text.charCodeAt(k))) {
    while (isDigit(text.charCodeAt(k))) k++;
    return k;
  }
  return Math.min(text.length, j + 1);
}

/** Index just past the word (letters and digits, with `.digits` parts: `v1.2`) that starts at `i`. */
function skipWord(text: string, i: number): number {
  let j = i;
  for (;;) {
    while (isAlnum(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) === 46 && isDigit(text.charCodeAt(j + 1)) && isDigit(text.charCodeAt(j - 1))) j++;
    else return j;
  }
}

/** Index just past a list marker (`6. `, `6) ` at the start of a line, then a letter or `*`) at `i`, or -1. */
function listMarkerEnd(text: string, i: number): number {
  let j = i;
  while (isDigit(text.charCodeAt(j)) && j - i < 3) j++;
  const c = text.charCodeAt(j);
  if ((c !== 46 && c !== 41) || text.charCodeAt(j + 1) !== 32) return -1;
  const after = text.charCodeAt(j + 2);
  return isLetter(after) || after === 42 ? j + 1 : -1;
}

/**
 * Visit every numeric expression of `text` (numbers and not-a-numbers), left to right; stop early
 * when `visit` returns false. Linear in the text length.
 */
export function scanExpressions(text: string, visit: (token: NumberToken) => boolean | void): void {
  const n = text.length;
  let i = 0;
  let lineStart = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      i++;
      continue;
    }
    if (isBlank(c)) {
      i++;
      continue;
    }
    if (lineStart && isDigit(c)) {
      const marker = listMarkerEnd(text, i);
      lineStart = false;
      if (marker >= 0) {
        i = marker;
        continue;
      }
    }
    lineStart = false;
    if (startsExpression(text, i)) {
      const token = readExpressionAt(text, i);
      if (token !== null) {
        // Per expression, not per character: a pool deadline stops a scan of a huge text.
        checkDeadline();
        if (visit(token) === false) return;
        i = Math.max(token.end, i + 1);
        continue;
      }
    }
    if (isLetter(c)) i = skipWord(text, i);
    else if (c === 92) i += 1 + Math.max(1, commandName(text, i).length);
    else if (c === 95 || c === 94) i = skipScript(text, i);
    else i++;
  }
}

/** Every expression of `text` up to `limit` of them (for short texts such as a box's content, and for tests). */
export function allExpressions(text: string, limit = Infinity): NumberToken[] {
  const found: NumberToken[] = [];
  scanExpressions(text, (token) => {
    found.push(token);
    return found.length < limit;
  });
  return found;
}

/** The last expression of `text`, or null. One forward pass (the only way to know where expressions start). */
export function lastExpression(text: string): NumberToken | null {
  let last: NumberToken | null = null;
  scanExpressions(text, (token) => {
    last = token;
  });
  return last;
}
