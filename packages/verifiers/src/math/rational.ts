/**
 * Exact rational numbers over bigint, always reduced with a positive denominator, so that two equal
 * values have equal fields and `equals` is a field comparison. Every result is size-checked
 * (`MAX_BITS`) so that adversarial answers stay bounded; Countdown keeps a separate number-first
 * rational because its solver's hot loop cannot afford bigint or these checks.
 */

/** Thrown by the exact layer when a result would be too large to compute in bounded time. */
export class TooComplexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TooComplexError';
  }
}

/** Largest bigint (in bits) that the exact layer builds; 2^100000 multiplies in well under 1 ms. */
export const MAX_BITS = 100_000;

function bitLength(n: bigint): number {
  if (n < 0n) n = -n;
  return n === 0n ? 0 : n.toString(16).length * 4;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** A reduced fraction `num/den` with `den > 0`. */
export class Rational {
  readonly num: bigint;
  readonly den: bigint;

  private constructor(num: bigint, den: bigint) {
    this.num = num;
    this.den = den;
  }

  /** `num/den`, reduced; a zero denominator is a programming error here (callers check first). */
  static of(num: bigint, den: bigint = 1n): Rational {
    if (den === 0n) throw new RangeError('zero denominator');
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    const g = gcd(num, den);
    if (g > 1n) {
      num /= g;
      den /= g;
    }
    if (bitLength(num) > MAX_BITS || bitLength(den) > MAX_BITS) throw new TooComplexError('number too large');
    return new Rational(num, den);
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
    if (m[1]!.length + frac.length > 4000) throw new TooComplexError('number literal too long');
    return Rational.of(BigInt((m[1] || '0') + frac), 10n ** BigInt(frac.length));
  }

  isZero(): boolean {
    return this.num === 0n;
  }
  isInteger(): boolean {
    return this.den === 1n;
  }
  sign(): number {
    return this.num === 0n ? 0 : this.num > 0n ? 1 : -1;
  }
  add(o: Rational): Rational {
    return Rational.of(this.num * o.den + o.num * this.den, this.den * o.den);
  }
  sub(o: Rational): Rational {
    return Rational.of(this.num * o.den - o.num * this.den, this.den * o.den);
  }
  mul(o: Rational): Rational {
    return Rational.of(this.num * o.num, this.den * o.den);
  }
  neg(): Rational {
    return new Rational(-this.num, this.den);
  }
  /** 1/x; throws RangeError for zero (the caller turns that into "undefined"). */
  inv(): Rational {
    return Rational.of(this.den, this.num);
  }
  div(o: Rational): Rational {
    return Rational.of(this.num * o.den, this.den * o.num);
  }
  equals(o: Rational): boolean {
    return this.num === o.num && this.den === o.den;
  }
  compare(o: Rational): number {
    const d = this.num * o.den - o.num * this.den;
    return d === 0n ? 0 : d > 0n ? 1 : -1;
  }

  /** Integer power; refuses (TooComplexError) when the result would exceed {@link MAX_BITS}. */
  powInt(e: bigint): Rational {
    if (e === 0n) return Rational.ONE;
    if (e < 0n) return this.inv().powInt(-e);
    const bits = Math.max(bitLength(this.num), bitLength(this.den));
    if (bits > 1 && Number(e) * (bits - 1) > MAX_BITS) throw new TooComplexError('power too large');
    return Rational.of(this.num ** e, this.den ** e);
  }

  /** Nearest double (exact for ordinary sizes; uses scaled division so huge num/den do not overflow). */
  toNumber(): number {
    const n = Number(this.num);
    const d = Number(this.den);
    if (Number.isFinite(n) && Number.isFinite(d)) return n / d;
    const shift = BigInt(Math.max(bitLength(this.num), bitLength(this.den)) - 1000);
    const scaledNum = Number(this.num >> (shift > 0n ? shift : 0n));
    const scaledDen = Number(this.den >> (shift > 0n ? shift : 0n));
    if (scaledDen === 0) return this.num > 0n ? Infinity : -Infinity;
    return scaledNum / scaledDen;
  }

  /** log10(|x|), finite for any non-zero value however large (used for magnitude checks). */
  log10Abs(): number {
    const l = (n: bigint): number => {
      if (n < 0n) n = -n;
      const s = n.toString();
      return s.length - 1 + Math.log10(Number('0.' + s.slice(0, 17)) * 10);
    };
    return l(this.num) - l(this.den);
  }

  toString(): string {
    return this.den === 1n ? this.num.toString() : `${this.num}/${this.den}`;
  }
}

/** Exact integer factorial; bounded (n ≤ 3000, about 9,000 digits) to keep the work small. */
export function factorial(n: bigint): bigint {
  if (n < 0n) throw new RangeError('negative factorial');
  if (n > 3000n) throw new TooComplexError('factorial too large');
  let r = 1n;
  for (let k = 2n; k <= n; k++) r *= k;
  return r;
}
