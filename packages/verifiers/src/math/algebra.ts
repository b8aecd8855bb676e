/**
 * Exact normal form of scalar expressions: a sum of terms `c · Π atomᵏ` with a rational `c`, where
 * atoms are variables, `pi`, `e`, `i` and primes under fractional powers (`#2^(1/2)` = √2). Reduced
 * so that equal values have equal forms in this algebra: √12 → 2·√3, i² → −1, 6^(1/2) → √2·√3, and
 * exponents of primes are kept in [0, 1). π and e are treated as independent transcendentals. What
 * has no such form (division by a sum, functions, symbolic exponents, ∞) is a {@link NotExact}, and
 * the caller compares numerically instead. Every step is bounded: at most {@link MAX_TERMS} terms,
 * bigints of at most MAX_BITS bits, small integer powers of sums, bounded factorisation.
 */
import { exactFactorial } from './expr.js';
import type { Node } from './expr.js';
import { Rational, TooComplexError } from './rational.js';

/** The expression has no normal form here (not an error: compare numerically). */
export class NotExact extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotExact';
  }
}

/** Most terms a form may have (products of sums grow fast). */
export const MAX_TERMS = 256;
/** Largest integer trial-factored for a radical (factors below 10^6: covers every integer < 10^12). */
const MAX_FACTOR = 1_000_000_000_000n;

type Mono = ReadonlyArray<readonly [string, Rational]>;
interface Term {
  c: Rational;
  m: Mono;
}
/** A normal form: terms by monomial key; no zero coefficients. */
export type Poly = Map<string, Term>;

function monoKey(m: Mono): string {
  return m.map(([a, e]) => (e.equals(Rational.ONE) ? a : `${a}^${e}`)).join('*');
}

function addTerm(p: Poly, c: Rational, m: Mono): void {
  if (c.isZero()) return;
  const key = monoKey(m);
  const t = p.get(key);
  if (t) {
    const s = t.c.add(c);
    if (s.isZero()) p.delete(key);
    else p.set(key, { c: s, m });
  } else {
    p.set(key, { c, m });
    if (p.size > MAX_TERMS) throw new TooComplexError('too many terms');
  }
}

function constant(c: Rational): Poly {
  const p: Poly = new Map();
  addTerm(p, c, []);
  return p;
}

/** Combine exponents of one atom and pull what is rational out into the coefficient. */
function reduceAtom(atom: string, e: Rational): { c: Rational; e: Rational } {
  if (atom === 'i') {
    if (!e.isInteger()) throw new NotExact('fractional power of i');
    const r = Number(((e.n % 4n) + 4n) % 4n);
    return { c: r >= 2 ? Rational.ONE.neg() : Rational.ONE, e: r % 2 === 1 ? Rational.ONE : Rational.ZERO };
  }
  if (atom.startsWith('#')) {
    // floor(e) goes into the coefficient, the fractional part stays
    let q = e.n / e.d;
    if (e.n < 0n && q * e.d !== e.n) q -= 1n;
    const frac = e.sub(Rational.of(q));
    return { c: Rational.of(BigInt(atom.slice(1))).powInt(q), e: frac };
  }
  return { c: Rational.ONE, e };
}

function mulMono(a: Mono, b: Mono): { c: Rational; m: Mono } {
  const exps = new Map<string, Rational>();
  for (const [atom, e] of a) exps.set(atom, e);
  for (const [atom, e] of b) exps.set(atom, (exps.get(atom) ?? Rational.ZERO).add(e));
  return normaliseExps(exps);
}

function normaliseExps(exps: Map<string, Rational>): { c: Rational; m: Mono } {
  let c = Rational.ONE;
  const m: Array<[string, Rational]> = [];
  for (const [atom, e] of exps) {
    const r = reduceAtom(atom, e);
    c = c.mul(r.c);
    if (!r.e.isZero()) m.push([atom, r.e]);
  }
  m.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return { c, m };
}

function add(p: Poly, q: Poly): Poly {
  const r: Poly = new Map(p);
  for (const t of q.values()) addTerm(r, t.c, t.m);
  return r;
}

function scale(p: Poly, c: Rational): Poly {
  const r: Poly = new Map();
  for (const t of p.values()) addTerm(r, t.c.mul(c), t.m);
  return r;
}

function mul(p: Poly, q: Poly): Poly {
  if (p.size * q.size > MAX_TERMS * 8) throw new TooComplexError('product too large');
  const r: Poly = new Map();
  for (const s of p.values()) {
    for (const t of q.values()) {
      const mm = mulMono(s.m, t.m);
      addTerm(r, s.c.mul(t.c).mul(mm.c), mm.m);
    }
  }
  return r;
}

function single(p: Poly): Term | null {
  if (p.size === 0) return { c: Rational.ZERO, m: [] };
  return p.size === 1 ? p.values().next().value! : null;
}

/** Prime factorisation of a positive integer, bounded; null when it is too large to factor. */
function factorInteger(n: bigint): Map<bigint, bigint> | null {
  const out = new Map<bigint, bigint>();
  if (n > MAX_FACTOR) return null;
  let x = Number(n);
  for (let p = 2; p * p <= x; p += p === 2 ? 1 : 2) {
    while (x % p === 0) {
      out.set(BigInt(p), (out.get(BigInt(p)) ?? 0n) + 1n);
      x /= p;
    }
  }
  if (x > 1) out.set(BigInt(x), (out.get(BigInt(x)) ?? 0n) + 1n);
  return out;
}

/** c^e for a rational coefficient and a non-integer rational exponent, as a monomial in primes. */
function powCoefficient(c: Rational, e: Rational): { c: Rational; m: Mono } {
  let sign = Rational.ONE;
  const exps = new Map<string, Rational>();
  if (c.sign() < 0) {
    // (−1)^(p/q): i^p for q = 2, ±1 for odd q; other roots of negatives are not real-principal here
    if (e.d === 2n) exps.set('i', Rational.of(e.n));
    else if (e.d % 2n === 1n) sign = e.n % 2n === 0n ? Rational.ONE : Rational.ONE.neg();
    else throw new NotExact('even root of a negative number');
    c = c.neg();
  }
  const num = factorInteger(c.n);
  const den = factorInteger(c.d);
  if (!num || !den) throw new NotExact('radicand too large to factor');
  for (const [p, k] of num) exps.set(`#${p}`, (exps.get(`#${p}`) ?? Rational.ZERO).add(e.mul(Rational.of(k))));
  for (const [p, k] of den) exps.set(`#${p}`, (exps.get(`#${p}`) ?? Rational.ZERO).sub(e.mul(Rational.of(k))));
  const r = normaliseExps(exps);
  return { c: r.c.mul(sign), m: r.m };
}

function powRational(p: Poly, e: Rational): Poly {
  if (e.isInteger()) return powInt(p, e.n);
  const t = single(p);
  if (!t) throw new NotExact('fractional power of a sum');
  if (t.c.isZero()) {
    if (e.sign() > 0) return new Map();
    throw new NotExact('zero to a negative power');
  }
  if (t.m.some(([atom]) => atom !== 'pi' && atom !== 'e' && !atom.startsWith('#'))) {
    // (x²)^(1/2) is |x|, not x: leave variables under roots to the numeric check
    throw new NotExact('root of a variable');
  }
  const pc = powCoefficient(t.c, e);
  const exps = new Map<string, Rational>();
  for (const [atom, k] of pc.m) exps.set(atom, k);
  for (const [atom, k] of t.m) exps.set(atom, (exps.get(atom) ?? Rational.ZERO).add(k.mul(e)));
  const r = normaliseExps(exps);
  const out: Poly = new Map();
  addTerm(out, pc.c.mul(r.c), r.m);
  return out;
}

function powInt(p: Poly, n: bigint): Poly {
  const t = single(p);
  if (t) {
    if (t.c.isZero()) {
      if (n > 0n) return new Map();
      if (n === 0n) return constant(Rational.ONE);
      throw new NotExact('division by zero');
    }
    if (n > 1_000_000n || n < -1_000_000n) {
      if (t.m.length === 0 && t.c.equals(Rational.ONE)) return p;
      throw new TooComplexError('exponent too large');
    }
    const exps = new Map<string, Rational>();
    for (const [atom, k] of t.m) exps.set(atom, k.mul(Rational.of(n)));
    const r = normaliseExps(exps);
    const out: Poly = new Map();
    addTerm(out, t.c.powInt(n).mul(r.c), r.m);
    return out;
  }
  if (n < 0n) throw new NotExact('negative power of a sum');
  if (n > 24n) throw new TooComplexError('power of a sum too large');
  let result = constant(Rational.ONE);
  let base = p;
  let k = n;
  while (k > 0n) {
    if (k & 1n) result = mul(result, base);
    k >>= 1n;
    if (k > 0n) base = mul(base, base);
  }
  return result;
}

/**
 * The normal form of a tree, or NotExact / TooComplexError. Division by a single term is exact;
 * division by a sum is not attempted (NotExact).
 */
export function normalForm(node: Node): Poly {
  switch (node.k) {
    case 'num':
      return constant(node.v);
    case 'sym': {
      if (node.name === 'inf') throw new NotExact('infinity');
      const p: Poly = new Map();
      addTerm(p, Rational.ONE, [[node.name, Rational.ONE]]);
      return p;
    }
    case 'add':
      return add(normalForm(node.a), normalForm(node.b));
    case 'neg':
      return scale(normalForm(node.a), Rational.ONE.neg());
    case 'mul':
      return mul(normalForm(node.a), normalForm(node.b));
    case 'div': {
      const d = normalForm(node.b);
      const t = single(d);
      if (!t) throw new NotExact('division by a sum');
      if (t.c.isZero()) throw new NotExact('division by zero');
      return mul(normalForm(node.a), powInt(d, -1n));
    }
    case 'pow': {
      const e = single(normalForm(node.b));
      if (!e || e.m.length > 0) throw new NotExact('symbolic exponent');
      return powRational(normalForm(node.a), e.c);
    }
    case 'root': {
      const n = single(normalForm(node.n));
      if (!n || n.m.length > 0 || !n.c.isInteger() || n.c.n < 2n || n.c.n > 64n) throw new NotExact('unusual root');
      return powRational(normalForm(node.a), Rational.of(1n, n.c.n));
    }
    case 'fact': {
      const a = single(normalForm(node.a));
      if (!a || a.m.length > 0) throw new NotExact('factorial of a non-number');
      const f = exactFactorial(a.c);
      if (!f) throw new NotExact('factorial of a non-integer');
      return constant(f);
    }
    case 'binom': {
      const a = single(normalForm(node.a));
      const b = single(normalForm(node.b));
      if (!a || !b || a.m.length > 0 || b.m.length > 0 || !a.c.isInteger() || !b.c.isInteger()) {
        throw new NotExact('symbolic binomial');
      }
      const n = a.c.n;
      const k = b.c.n;
      if (k < 0n || n < 0n || k > n) return constant(Rational.ZERO);
      if (k > 5000n) throw new TooComplexError('binomial too large');
      let r = 1n;
      for (let j = 0n; j < k; j++) r = (r * (n - j)) / (j + 1n);
      return constant(Rational.of(r));
    }
    case 'fn':
      throw new NotExact(`function ${node.name}`);
  }
}

/** Exact equality of two normal forms. */
export function polyEquals(p: Poly, q: Poly): boolean {
  if (p.size !== q.size) return false;
  for (const [key, t] of p) {
    const u = q.get(key);
    if (!u || !u.c.equals(t.c)) return false;
  }
  return true;
}

/** p − q. */
export function polySub(p: Poly, q: Poly): Poly {
  return add(p, scale(q, Rational.ONE.neg()));
}

/** True when q = c·p for some non-zero rational c (equations up to scaling). */
export function polyProportional(p: Poly, q: Poly): boolean {
  if (p.size !== q.size) return false;
  if (p.size === 0) return true;
  const [key, t] = p.entries().next().value!;
  const u = q.get(key);
  if (!u) return false;
  return polyEquals(scale(p, u.c.div(t.c)), q);
}

/** The rational value of a constant form without radicals, π, e or i; null otherwise. */
export function polyRational(p: Poly): Rational | null {
  const t = single(p);
  return t && t.m.length === 0 ? t.c : null;
}

/** True when the form mentions no variable (only numbers, radicals, π, e, i). */
export function polyIsConstant(p: Poly): boolean {
  for (const t of p.values()) {
    for (const [atom] of t.m) {
      if (!(atom === 'pi' || atom === 'e' || atom === 'i' || atom.startsWith('#'))) return false;
    }
  }
  return true;
}
