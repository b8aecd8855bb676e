/**
 * MATH's exact rationals: a class over the shared bigint rationals (exact/rational.ts), always
 * reduced with a positive denominator, so that two equal values have equal fields and `equals` is a
 * field comparison. Every result is size-checked (`MAX_BITS`) so that adversarial answers stay
 * bounded: a result over the cap throws {@link TooComplexError}, which the verifier turns into a
 * `too-complex:` zero reward.
 */

import { DivisionByZeroError } from '../errors.js';
import * as exact from '../exact/rational.js';

/** Thrown by the exact layer when a result would be too large to compute in bounded time. */
export class TooComplexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TooComplexError';
  }
}

/**
 * Whether `e` is a refusal of the exact layer, which callers treat as "too complex": a size cap
 * ({@link TooComplexError}), a division by zero ({@link DivisionByZeroError}), or the engine's own
 * RangeError (a BigInt past the engine's maximum size, a stack overflow).
 */
export function isExactRefusal(e: unknown): e is TooComplexError | DivisionByZeroError | RangeError {
  return e instanceof TooComplexError || DivisionByZeroError.isInstance(e) || e instanceof RangeError;
}

/** Largest bigint (in bits) that the exact layer builds; 2^100000 multiplies in well under 1 ms. */
export const MAX_BITS = 100_000;

/** 2^MAX_BITS and its negative: |x| has more than MAX_BITS bits exactly when it reaches them (two comparisons, no bit count). */
const TOO_LARGE = 1n << BigInt(MAX_BITS);
const TOO_LARGE_NEGATIVE = -TOO_LARGE;

/** Longest decimal literal (in digits) read exactly: about 13,300 bits, well inside {@link MAX_BITS}. */
const MAX_LITERAL_DIGITS = 4000;

/** Largest n whose factorial is computed (3000! has about 9,000 digits). */
const MAX_FACTORIAL = 3000n;

/**
 * The size of |x| in bits counted in whole hex digits, 4·⌈bits/4⌉ (so 1 counts as 4 bits): the
 * measure MATH's power guard and {@link Rational.toNumber} have always used. Kept as it was so that no
 * verdict moves: the guard refuses a power when (size − 1)·e > MAX_BITS, which with this measure
 * refuses 2^e and even 1^e for e > 33,333.
 */
function hexBits(x: bigint): number {
  return 4 * Math.ceil(exact.bitLength(x) / 4);
}

/** A reduced fraction `n/d` with `d > 0`. */
export class Rational implements exact.Rational {
  readonly n: bigint;
  readonly d: bigint;

  private constructor(n: bigint, d: bigint) {
    this.n = n;
    this.d = d;
  }

  /** A reduced exact value, refused (TooComplexError) when a part is over {@link MAX_BITS}. */
  private static checked(q: exact.Rational): Rational {
    if (q.n >= TOO_LARGE || q.n <= TOO_LARGE_NEGATIVE || q.d >= TOO_LARGE) {
      throw new TooComplexError('number too large');
    }
    return new Rational(q.n, q.d);
  }

  /** A reduced exact value, or DivisionByZeroError for the null of a zero denominator. */
  private static nonZero(q: exact.Rational | null, argument: string): Rational {
    if (q === null) throw new DivisionByZeroError(argument, 'is zero');
    return Rational.checked(q);
  }

  /** `num/den`, reduced; a zero denominator throws DivisionByZeroError (callers check first). */
  static of(num: bigint, den: bigint = 1n): Rational {
    return Rational.nonZero(exact.normalize(num, den), 'denominator');
  }

  static readonly ZERO = new Rational(0n, 1n);
  static readonly ONE = new Rational(1n, 1n);

  /**
   * A decimal literal such as `12.50` or `.5` read exactly (12.50 = 25/2); `null` when the text is
   * not one. Exponent forms are not accepted here (the parser builds them from `\times10^{k}`).
   */
  static fromDecimal(text: string): Rational | null {
    const m = /^(\d*)(?:\.(\d*))?$/.exec(text);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) return null;
    const frac = m[2] ?? '';
    if (m[1]!.length + frac.length > MAX_LITERAL_DIGITS) throw new TooComplexError('number literal too long');
    const q = exact.fromDecimalDigits(m[1]!, frac);
    return Rational.of(q.n, q.d);
  }

  isZero(): boolean {
    return this.n === 0n;
  }
  isInteger(): boolean {
    return exact.isInteger(this);
  }
  sign(): number {
    return this.n === 0n ? 0 : this.n > 0n ? 1 : -1;
  }
  add(o: Rational): Rational {
    return Rational.checked(exact.add(this, o));
  }
  sub(o: Rational): Rational {
    return Rational.checked(exact.sub(this, o));
  }
  mul(o: Rational): Rational {
    return Rational.checked(exact.mul(this, o));
  }
  neg(): Rational {
    return new Rational(-this.n, this.d);
  }
  /** 1/x; throws DivisionByZeroError for zero (the caller turns that into "undefined"). */
  inv(): Rational {
    return Rational.nonZero(exact.inverse(this), 'divisor');
  }
  div(o: Rational): Rational {
    return Rational.nonZero(exact.div(this, o), 'divisor');
  }
  equals(o: Rational): boolean {
    return exact.equals(this, o);
  }
  compare(o: Rational): number {
    return exact.compare(this, o);
  }

  /** Integer power; refuses (TooComplexError) when the result would exceed {@link MAX_BITS}. */
  powInt(e: bigint): Rational {
    if (e === 0n) return Rational.ONE;
    if (e < 0n && this.n === 0n) throw new DivisionByZeroError('base', 'is zero under a negative power');
    const bits = Math.max(hexBits(this.n), hexBits(this.d));
    if (bits > 1 && Number(e < 0n ? -e : e) * (bits - 1) > MAX_BITS) throw new TooComplexError('power too large');
    return Rational.checked(exact.pow(this, e)!);
  }

  /** Nearest double (exact for ordinary sizes; uses scaled division so huge num/den do not overflow). */
  toNumber(): number {
    const n = Number(this.n);
    const d = Number(this.d);
    if (Number.isFinite(n) && Number.isFinite(d)) return n / d;
    const shift = BigInt(Math.max(hexBits(this.n), hexBits(this.d)) - 1000);
    const scaledNum = Number(this.n >> (shift > 0n ? shift : 0n));
    const scaledDen = Number(this.d >> (shift > 0n ? shift : 0n));
    if (scaledDen === 0) return this.n > 0n ? Infinity : -Infinity;
    return scaledNum / scaledDen;
  }

  /** log10(|x|), finite for any non-zero value however large (used for magnitude checks). */
  log10Abs(): number {
    const l = (n: bigint): number => {
      if (n < 0n) n = -n;
      const s = n.toString();
      return s.length - 1 + Math.log10(Number('0.' + s.slice(0, 17)) * 10);
    };
    return l(this.n) - l(this.d);
  }

  toString(): string {
    return exact.toString(this);
  }
}

/** Exact integer factorial; bounded (n ≤ {@link MAX_FACTORIAL}) to keep the work small. */
export function factorial(n: bigint): bigint {
  if (n < 0n) throw new Error(`factorial of ${n}: callers pass n ≥ 0 (exactFactorial checks first)`);
  if (n > MAX_FACTORIAL) throw new TooComplexError('factorial too large');
  let r = 1n;
  for (let k = 2n; k <= n; k++) r *= k;
  return r;
}
