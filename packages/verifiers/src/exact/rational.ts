/**
 * Exact rational numbers over bigint: the one implementation that the Countdown, GSM8K and MATH
 * graders build on (Countdown adds a safe-integer fast path in front of it, MATH a size-checked class
 * that throws, GSM8K its canonical decimal text).
 *
 * A value is a plain `{ n, d }` with `d > 0`. Every function returns it reduced (gcd(n, d) = 1, zero as
 * 0/1), so that equal values have equal fields, except {@link fromDecimalDigits}, which keeps the
 * written scale (`3.0` is 30/10) for callers that tell `3` from `3.0`; {@link normalize} reduces any
 * pair. Nothing here limits sizes: the graders' caps differ (GSM8K refuses a power beyond 4,096 bits
 * and returns null, MATH beyond 100,000 bits and throws), so each bounds the work at its own call
 * sites, before the bigint operation runs.
 */

/** An exact rational `n/d` with `d > 0`; reduced unless it comes from {@link fromDecimalDigits}. */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

/** 0/1. */
export const ZERO: Rational = { n: 0n, d: 1n };
/** 1/1. */
export const ONE: Rational = { n: 1n, d: 1n };

/** Greatest common divisor of |a| and |b| (gcd(0, b) = |b|). */
export function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** Bit length of |x| (0 for 0). Read from the hex text, a quarter of the binary text's length. */
export function bitLength(x: bigint): number {
  if (x < 0n) x = -x;
  if (x < 0x1_0000_0000n) return 32 - Math.clz32(Number(x));
  const hex = x.toString(16);
  // the leading hex digit holds 1 to 4 bits: 32 − clz32(digit)
  return (hex.length - 1) * 4 + 32 - Math.clz32(parseInt(hex[0]!, 16));
}

/** n/d reduced, with d > 0; null when d is 0. */
export function normalize(n: bigint, d: bigint): Rational | null {
  if (d === 0n) return null;
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

/** Whether q is an integer (q reduced). */
export function isInteger(q: Rational): boolean {
  return q.d === 1n;
}

/** −q. */
export function neg(q: Rational): Rational {
  return { n: -q.n, d: q.d };
}

/** a + b. */
export function add(a: Rational, b: Rational): Rational {
  return normalize(a.n * b.d + b.n * a.d, a.d * b.d)!;
}

/** a − b. */
export function sub(a: Rational, b: Rational): Rational {
  return normalize(a.n * b.d - b.n * a.d, a.d * b.d)!;
}

/** a × b. */
export function mul(a: Rational, b: Rational): Rational {
  return normalize(a.n * b.n, a.d * b.d)!;
}

/** a ÷ b, or null when b is 0. */
export function div(a: Rational, b: Rational): Rational | null {
  return normalize(a.n * b.d, a.d * b.n);
}

/** 1/q, or null when q is 0. */
export function inverse(q: Rational): Rational | null {
  return normalize(q.d, q.n);
}

/** −1, 0 or 1 as a <, =, > b. */
export function compare(a: Rational, b: Rational): -1 | 0 | 1 {
  const diff = a.n * b.d - b.n * a.d;
  return diff === 0n ? 0 : diff > 0n ? 1 : -1;
}

/** Whether a = b (both reduced: a field comparison). */
export function equals(a: Rational, b: Rational): boolean {
  return a.n === b.n && a.d === b.d;
}

/**
 * q^k for an integer k, or null for 0 to a negative power. The caller bounds the size first: the
 * result has about k·bits(q) bits. A positive power keeps q's form (a reduced q stays reduced, and an
 * unreduced one stays unreduced, so GSM8K's `2.0^1` is still not the integer 2); a negative one is
 * reduced.
 */
export function pow(q: Rational, k: bigint): Rational | null {
  if (k === 0n) return ONE;
  if (q.n === 0n) return k > 0n ? ZERO : null;
  if (k > 0n) return { n: q.n ** k, d: q.d ** k };
  const e = -k;
  return normalize(q.d ** e, q.n ** e);
}

/** The exact integer k-th root of x ≥ 0, or null when x is not a perfect k-th power. */
function integerRoot(x: bigint, k: number): bigint | null {
  if (x < 2n) return x;
  const K = BigInt(k);
  // Newton's iteration from above: r ← ((k−1)r + x / r^(k−1)) / k, starting at 2^ceil(bits/k).
  let r = 1n << BigInt(Math.ceil(bitLength(x) / k));
  for (;;) {
    const next = ((K - 1n) * r + x / r ** (K - 1n)) / K;
    if (next >= r) break;
    r = next;
  }
  return r ** K === x ? r : null;
}

/**
 * The k-th root of q (k ≥ 2) when it is rational (both reduced parts perfect k-th powers), reduced;
 * null when irrational or an even root of a negative. The caller bounds the size of q first.
 */
export function root(q: Rational, k: number): Rational | null {
  const negative = q.n < 0n;
  if (negative && k % 2 === 0) return null;
  const reduced = normalize(q.n, q.d)!;
  const n = integerRoot(negative ? -reduced.n : reduced.n, k);
  const d = integerRoot(reduced.d, k);
  if (n === null || d === null) return null;
  return { n: negative ? -n : n, d };
}

/**
 * The value of the decimal digits `integer.fraction` (either may be empty, both ASCII digits only) as
 * digits / 10^(fraction length), NOT reduced: `3.0` is 30/10, so a caller can still tell it from `3`.
 * The caller bounds the digit count first.
 */
export function fromDecimalDigits(integer: string, fraction: string): Rational {
  return { n: BigInt(`${integer}${fraction}` || '0'), d: 10n ** BigInt(fraction.length) };
}

/**
 * The number of decimal places of 1/d (d > 0) when that is a terminating decimal, i.e. the least k
 * with d | 10^k; null when d has a prime factor other than 2 and 5 (then no decimal equals n/d for a
 * reduced n/d).
 */
export function decimalPlaces(d: bigint): number | null {
  let twos = 0;
  let fives = 0;
  while (d % 2n === 0n) {
    d /= 2n;
    twos++;
  }
  while (d % 5n === 0n) {
    d /= 5n;
    fives++;
  }
  return d === 1n ? Math.max(twos, fives) : null;
}

/** `n` for an integer, else `n/d` (with q's own fields, so reduce first for the canonical text). */
export function toString(q: Rational): string {
  return q.d === 1n ? `${q.n}` : `${q.n}/${q.d}`;
}
