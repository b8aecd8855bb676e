/**
 * Numbers in free text, for GSM8K answers: a hand-written scanner (no regular expressions) that reads
 * `18`, `18.00`, `.5`, `1,000`, `1{,}000`, `1 000` (space, no-break, thin or `\,` grouping), `3/4`,
 * with a sign (`-`, `−` U+2212) and a currency mark (`$`, `\$`) in either order before the digits, and
 * turns each into a canonical exact value, so that equality of values is equality of strings:
 * no floating point, no precision limit (a 10⁶-digit integer compares exactly).
 *
 * Canonical form: optional `-`, integer part without leading zeros, then `.` and the fractional digits
 * without trailing zeros when there are any (`18.00` → `18`, `-0` → `0`). A fraction `a/b` is reduced;
 * when its denominator has no prime factor other than 2 and 5 it becomes the equal decimal
 * (`3/4` → `0.75`), otherwise it stays `a/b` (`2/6` → `1/3`), which no decimal can equal.
 */

/** A number found in a text. */
export interface NumberToken {
  /** Index of its first digit (or of the leading `.` of `.5`). */
  start: number;
  /** Index just past its last digit. */
  end: number;
  /** Canonical exact value (see the module comment). */
  value: string;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Characters that may sit inside a number (digits, separators, decimal point, fraction bar, LaTeX comma braces). */
function isNumberish(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || c === 44 || c === 46 || c === 47 || c === 32 || c === 0xa0 || c === 0x2009 || c === 0x202f || c === 123 || c === 125 || c === 92
  );
}

/** A character that makes a following `-` a binary minus (`10-5`, `x-5`, `(a)-5`), not a sign. */
function bindsMinus(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 41 || c === 93 || c === 125 || c === 95;
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
  return isDigit(text.charCodeAt(i)) && isDigit(text.charCodeAt(i + 1)) && isDigit(text.charCodeAt(i + 2)) && !isDigit(text.charCodeAt(i + 3));
}

/** Canonical decimal from a sign and digit strings (see the module comment). */
export function canonicalDecimal(negative: boolean, integerDigits: string, fractionDigits: string): string {
  let a = 0;
  while (a < integerDigits.length - 1 && integerDigits.charCodeAt(a) === 48) a++;
  let int = integerDigits.slice(a);
  if (int === '') int = '0';
  let b = fractionDigits.length;
  while (b > 0 && fractionDigits.charCodeAt(b - 1) === 48) b--;
  const frac = fractionDigits.slice(0, b);
  const body = frac === '' ? int : `${int}.${frac}`;
  return negative && body !== '0' ? `-${body}` : body;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** Canonical value of the fraction num/den (den > 0). */
export function canonicalFraction(negative: boolean, numerator: bigint, denominator: bigint): string {
  const g = gcd(numerator, denominator);
  const n = numerator / g;
  const d = denominator / g;
  let twos = 0;
  let fives = 0;
  let rest = d;
  while (rest % 2n === 0n) {
    rest /= 2n;
    twos++;
  }
  while (rest % 5n === 0n) {
    rest /= 5n;
    fives++;
  }
  if (rest !== 1n) return n === 0n ? '0' : `${negative ? '-' : ''}${n}/${d}`;
  const k = Math.max(twos, fives);
  const scaled = (n * 10n ** BigInt(k)) / d;
  const digits = scaled.toString().padStart(k + 1, '0');
  return canonicalDecimal(negative, digits.slice(0, digits.length - k), digits.slice(digits.length - k));
}

/** Whether the number whose first character is at `start` carries a minus sign (looking back over `$`/`\$` and the sign, in either order). */
function negativeBefore(text: string, start: number): boolean {
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

/** Longest digit run a fraction part may have (so that its arithmetic stays small). */
const MAX_FRACTION_DIGITS = 30;

/**
 * Read the number that starts at `start` (a digit, or the `.` of `.5`). The sign comes from the
 * characters before it. Returns null when no number starts there.
 */
export function readNumberAt(text: string, start: number): NumberToken | null {
  const n = text.length;
  let i = start;
  const c0 = text.charCodeAt(i);
  if (c0 === 46 /* . */) {
    if (!isDigit(text.charCodeAt(i + 1))) return null;
    let j = i + 1;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    return { start, end: j, value: canonicalDecimal(negativeBefore(text, start), '0', text.slice(i + 1, j)) };
  }
  if (!isDigit(c0)) return null;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  let integer = text.slice(start, i);
  let grouped = false;
  if (i - start <= 3) {
    const separator = separatorAt(text, i);
    if (separator !== null && isGroup(text, i + separator.length)) {
      grouped = true;
      const parts = [integer];
      while (text.startsWith(separator, i) && isGroup(text, i + separator.length)) {
        i += separator.length;
        parts.push(text.slice(i, i + 3));
        i += 3;
      }
      integer = parts.join('');
    }
  }
  const negative = negativeBefore(text, start);
  if (text.charCodeAt(i) === 46 && isDigit(text.charCodeAt(i + 1))) {
    let j = i + 1;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    return { start, end: j, value: canonicalDecimal(negative, integer, text.slice(i + 1, j)) };
  }
  if (!grouped && text.charCodeAt(i) === 47 /* / */ && isDigit(text.charCodeAt(i + 1)) && i - start <= MAX_FRACTION_DIGITS) {
    let j = i + 1;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    // `3/4.5` or a huge denominator is not a fraction we read; nor is a zero denominator.
    if (j - i - 1 <= MAX_FRACTION_DIGITS && !(text.charCodeAt(j) === 46 && isDigit(text.charCodeAt(j + 1)))) {
      const denominator = BigInt(text.slice(i + 1, j));
      if (denominator !== 0n) return { start, end: j, value: canonicalFraction(negative, BigInt(integer), denominator) };
    }
  }
  return { start, end: i, value: canonicalDecimal(negative, integer, '') };
}

/** Whether a number starts at i when scanning forward (a digit, or `.digit` not preceded by a digit). */
function startsNumber(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (isDigit(c)) return true;
  return c === 46 && isDigit(text.charCodeAt(i + 1)) && !isDigit(text.charCodeAt(i - 1));
}

/** Every number of `text`, left to right (for tests and for short texts such as a box's content). */
export function allNumbers(text: string, limit = Infinity): NumberToken[] {
  const found: NumberToken[] = [];
  let i = 0;
  while (i < text.length && found.length < limit) {
    if (startsNumber(text, i)) {
      const token = readNumberAt(text, i)!;
      found.push(token);
      i = token.end;
    } else {
      i++;
    }
  }
  return found;
}

/**
 * The last number of `text`, as a forward scan of the whole text would read it, in O(length of the
 * trailing non-digit part + length of the last number-like run): find the last digit, step back to
 * a character that cannot belong to a number, and scan forward from there.
 */
export function lastNumber(text: string): NumberToken | null {
  let last = text.length - 1;
  while (last >= 0 && !isDigit(text.charCodeAt(last))) last--;
  if (last < 0) return null;
  let p = last;
  while (p > 0 && isNumberish(text.charCodeAt(p - 1))) p--;
  let token: NumberToken | null = null;
  let i = p;
  while (i <= last) {
    if (startsNumber(text, i)) {
      token = readNumberAt(text, i)!;
      i = token.end;
    } else {
      i++;
    }
  }
  return token;
}

/** How far past a marker (`####`, "answer is") the number may start, so each marker costs O(1). */
const MAX_PREFIX = 64;

/**
 * The number that follows position `i` after decoration: whitespace, `:`, `=`, `*` (markdown bold),
 * `$`, `\$`, `\(`, `\[`, `\boxed{`, `\textbf{`, `{`, a sign. Null when something else comes first.
 */
export function numberAfter(text: string, i: number): NumberToken | null {
  const stop = Math.min(text.length, i + MAX_PREFIX);
  while (i < stop) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0 || c === 58 || c === 61 || c === 42 || c === 36 || c === 123 || c === 45 || c === 0x2212) {
      i++;
      continue;
    }
    if (c === 92 /* \ */) {
      const next = text.charCodeAt(i + 1);
      if (next === 36 || next === 40 || next === 91) {
        i += 2;
        continue;
      }
      if (text.startsWith('\\boxed{', i)) {
        i += 7;
        continue;
      }
      if (text.startsWith('\\textbf{', i)) {
        i += 8;
        continue;
      }
      return null;
    }
    break;
  }
  if (i >= stop || !startsNumber(text, i)) return null;
  // A sign must sit right before the digits (or before a `$` right before them): `#### - 5` is not -5.
  return readNumberAt(text, i);
}
