/**
 * Inequalities and intervals as sets of real numbers, so that `5 \geq x` = `x \leq 5`,
 * `-x > -1` = `x < 1`, `-793 < a < 10` = `(-793, 10)`, `2 \leq x < 5` = `[2,5)` and
 * `x \leq -1, x > 2` = `(-\infty,-1] \cup (2,\infty)`.
 *
 * Covered:
 * - {@link relationSet}: one real variable (a letter, a Greek command such as `\alpha`, or an indexed
 *   `x_1`); a single inequality (`<`, `>`, `\leq`, `\geq`, `\le`, `\ge`, `\leqslant`, `\geqslant`,
 *   `\lt`, `\gt`, `<=`, `>=`, `≤`, `≥`) whose two sides are linear in the variable with a real non-zero
 *   coefficient (solved: `2x+1 \leq 7` → x ≤ 3, a negative coefficient flips the direction); `\neq`,
 *   `\ne`, `\not=`, `≠` (ℝ minus a point); a chain of one direction (`a < x \leq b`, `10 > a > -793`,
 *   also `-1 < 2x+1 < 5`), where `\pm\infty` may stand at an end that it does not restrict
 *   (`-\infty < x \leq 3`); and a comma/semicolon list of such relations in the same variable, read as
 *   their union (the normaliser turns "or" and "and" alike into commas, so a list is only accepted
 *   when its members are pairwise disjoint: then "and" would be the empty set, which no answer means).
 * - {@link intervalSet}: an interval `seq` (`(a,b)`, `[a,b)`, …, ends constants or ±∞ behind an open
 *   bracket), a `\cup` of intervals and finite sets of constants, and `\mathbb{R}` / `R`.
 * - Both give one canonical {@link RealSet}: sorted, disjoint, merged intervals, compared by
 *   {@link sameRealSet} with the caller's exact scalar comparison.
 *
 * Deliberately null (the caller falls back to comparing text): two or more variables, a variable under
 * a function, a power, a root, a denominator or an absolute value (`x^2 < 4`, `\frac1x > 2`, `|x|<3`),
 * a zero or non-real coefficient, mixed directions in one chain (`1 < x > 2`), `\neq` in a chain, an
 * empty solution set, `=` inside a relation, a closed bracket at ±∞, an interval with lo > hi, ends
 * whose order cannot be decided safely in doubles when no exact form settles it, anything the scalar
 * parser rejects, and inputs over {@link MAX_RELATION_LENGTH} characters, with more than
 * {@link MAX_RELATION_PARTS} parts or more than {@link MAX_UNION_PARTS} union members. Nothing here
 * throws on any input: parse, exactness and size failures all become null. All work is bounded by
 * those limits and the bounded parser and normal form.
 *
 * A seq such as `(1,2)` is read as an interval whenever {@link intervalSet} is asked: whether a
 * parenthesised pair is a point or an interval is the caller's decision (compare it as an interval
 * only against a relation).
 */
import { NotExact, normalForm, polyEquals, polyRational } from './algebra.js';
import type { Poly } from './algebra.js';
import { ParseError, evaluate, freeVariables, parseScalar } from './expr.js';
import type { Node } from './expr.js';
import { isExactRefusal, Rational } from './rational.js';
import { splitTopLevel } from './structure.js';
import type { Answer } from './structure.js';

/** Longest relation text that {@link relationSet} reads. */
export const MAX_RELATION_LENGTH = 200;
/** Most parts in one relation (`a < x < b` has 3) and most relations in one comma list. */
export const MAX_RELATION_PARTS = 8;
/** Most members of a `\cup` that {@link intervalSet} reads. */
export const MAX_UNION_PARTS = 16;

/** A finite end of an interval: its tree, its value as a double (for ordering), its exact form when one exists. */
export interface FiniteBound {
  inf: 0;
  node: Node;
  value: number;
  poly: Poly | null;
  closed: boolean;
}
/** An end of an interval: −∞ / +∞ (always open) or a finite constant. */
export type Bound = { inf: -1 | 1 } | FiniteBound;
/** One non-empty interval `lo … hi` (lo ≤ hi; a single point is `[a,a]`). */
export interface RealInterval {
  lo: Bound;
  hi: Bound;
}
/** A subset of ℝ: the variable it constrains (null for an interval answer) and sorted, disjoint, merged intervals. */
export interface RealSet {
  variable: string | null;
  intervals: RealInterval[];
}

/** Internal: the input is outside what this module decides (becomes null at the API). */
class Unsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unsupported';
  }
}

/** Run `f`, turning every expected failure (parse, exactness, size, undecidable order) into null. */
function guard<T>(f: () => T | null): T | null {
  try {
    return f();
  } catch (e) {
    if (e instanceof Unsupported || e instanceof ParseError || e instanceof NotExact || isExactRefusal(e)) {
      return null;
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Small tree builders (fold the trivial cases so that solved ends stay readable and exact)

const ZERO = Rational.ZERO;

function num(v: Rational): Node {
  const abs = v.sign() < 0 ? v.neg() : v;
  const n: Node = { k: 'num', v: abs, literal: abs.toString(), decimal: false };
  return v.sign() < 0 ? { k: 'neg', a: n } : n;
}

/** The rational value of a tree that is a plain (non-decimal) number or its negation. */
function plainRational(n: Node): Rational | null {
  if (n.k === 'num') return n.decimal ? null : n.v;
  if (n.k === 'neg' && n.a.k === 'num' && !n.a.decimal) return n.a.v.neg();
  return null;
}

function isZero(n: Node | null): boolean {
  if (n === null) return true;
  const r = plainRational(n);
  return r !== null && r.isZero();
}

function negN(a: Node | null): Node | null {
  if (a === null) return null;
  const r = plainRational(a);
  if (r) return num(r.neg());
  return a.k === 'neg' ? a.a : { k: 'neg', a };
}

function addN(a: Node | null, b: Node | null): Node | null {
  if (isZero(a)) return b;
  if (isZero(b)) return a;
  const x = plainRational(a!);
  const y = plainRational(b!);
  if (x && y) return num(x.add(y));
  return { k: 'add', a: a!, b: b! };
}

function mulN(a: Node, b: Node | null): Node | null {
  if (isZero(b) || isZero(a)) return null;
  const x = plainRational(a);
  const y = plainRational(b!);
  if (x && y) return num(x.mul(y));
  if (x?.equals(Rational.ONE)) return b;
  if (y?.equals(Rational.ONE)) return a;
  if (x?.equals(Rational.ONE.neg())) return negN(b);
  if (y?.equals(Rational.ONE.neg())) return negN(a);
  return { k: 'mul', a, b: b! };
}

function divN(a: Node | null, b: Node): Node | null {
  if (a === null) return null;
  const x = plainRational(a);
  const y = plainRational(b);
  if (y?.isZero()) throw new Unsupported('division by zero');
  if (x && y) return num(x.div(y));
  if (y?.equals(Rational.ONE)) return a;
  if (y?.equals(Rational.ONE.neg())) return negN(a);
  return { k: 'div', a, b };
}

// ---------------------------------------------------------------------------------------------
// Linear forms c·x + d in one variable (c, d constant trees; null stands for 0)

interface Linear {
  c: Node | null;
  d: Node | null;
}

function mentions(node: Node, name: string): boolean {
  return freeVariables(node).has(name);
}

/** `node` as c·x + d, structurally; null when it is not linear in `x` (x under a function, power, denominator…). */
function linear(node: Node, x: string): Linear | null {
  if (!mentions(node, x)) return { c: null, d: node };
  switch (node.k) {
    case 'sym':
      return { c: num(Rational.ONE), d: null };
    case 'add': {
      const a = linear(node.a, x);
      const b = a && linear(node.b, x);
      return a && b ? { c: addN(a.c, b.c), d: addN(a.d, b.d) } : null;
    }
    case 'neg': {
      const a = linear(node.a, x);
      return a ? { c: negN(a.c), d: negN(a.d) } : null;
    }
    case 'mul': {
      const [k, other] = mentions(node.a, x) ? [node.b, node.a] : [node.a, node.b];
      if (mentions(k, x)) return null;
      const l = linear(other, x);
      return l ? { c: mulN(k, l.c), d: mulN(k, l.d) } : null;
    }
    case 'div': {
      if (mentions(node.b, x)) return null;
      const l = linear(node.a, x);
      return l ? { c: divN(l.c, node.b), d: divN(l.d, node.b) } : null;
    }
    default:
      return null;
  }
}

function exactForm(node: Node): Poly | null {
  try {
    return normalForm(node);
  } catch (e) {
    if (e instanceof NotExact || isExactRefusal(e)) return null;
    throw e;
  }
}

/** A real double value of a constant tree, or Unsupported (non-real, infinite, undefined). */
function realValue(node: Node): number {
  const z = evaluate(node, new Map());
  if (!Number.isFinite(z.re) || !Number.isFinite(z.im)) throw new Unsupported('not a finite value');
  if (z.im !== 0 && Math.abs(z.im) > 1e-12 * Math.abs(z.re)) throw new Unsupported('not a real value');
  return z.re;
}

/** Sign (±1) of a constant non-zero real coefficient; Unsupported when zero or not safely decidable. */
function coefficientSign(c: Node | null): number {
  if (c === null) throw new Unsupported('zero coefficient');
  const p = exactForm(c);
  const r = p ? polyRational(p) : null;
  if (r) {
    if (r.isZero()) throw new Unsupported('zero coefficient');
    return r.sign();
  }
  if (p && p.size === 0) throw new Unsupported('zero coefficient');
  const v = realValue(c);
  // with an exact non-zero form a double has the right sign; without one, refuse near-cancellation
  if (v === 0 || (!p && Math.abs(v) < 1e-9)) throw new Unsupported('coefficient too close to zero');
  return Math.sign(v);
}

function finiteBound(node: Node, closed: boolean): FiniteBound {
  return { inf: 0, node, value: realValue(node), poly: exactForm(node), closed };
}

/** +1 / −1 for a tree that is `\infty` / `-\infty`, 0 for another tree mentioning ∞, null without ∞. */
function infinitySign(node: Node): -1 | 0 | 1 | null {
  if (node.k === 'sym' && node.name === 'inf') return 1;
  if (node.k === 'neg' && node.a.k === 'sym' && node.a.name === 'inf') return -1;
  const any = (n: Node): boolean => {
    switch (n.k) {
      case 'num':
        return false;
      case 'sym':
        return n.name === 'inf';
      case 'neg':
      case 'fact':
        return any(n.a);
      case 'fn':
        return any(n.a) || (n.base ? any(n.base) : false);
      case 'root':
        return any(n.a) || any(n.n);
      default:
        return any(n.a) || any(n.b);
    }
  };
  return any(node) ? 0 : null;
}

// ---------------------------------------------------------------------------------------------
// Ordering of bounds and set operations

/** Order of two finite values: exact where exact forms settle it, else doubles that differ safely. */
function compareValues(a: FiniteBound, b: FiniteBound): number {
  if (a.poly && b.poly) {
    if (polyEquals(a.poly, b.poly)) return 0;
    const x = polyRational(a.poly);
    const y = polyRational(b.poly);
    if (x && y) return x.compare(y);
    // distinct exact values: doubles order them unless they are too close to tell
    if (Math.abs(a.value - b.value) > 1e-13 * Math.max(Math.abs(a.value), Math.abs(b.value))) {
      return Math.sign(a.value - b.value);
    }
    throw new Unsupported('ends too close to order');
  }
  if (Math.abs(a.value - b.value) > 1e-9 * Math.max(Math.abs(a.value), Math.abs(b.value))) {
    return Math.sign(a.value - b.value);
  }
  throw new Unsupported('ends too close to order');
}

/** Position of a point on the extended line: ±∞ or a finite value. */
function comparePoints(a: Bound, b: Bound): number {
  if (a.inf !== 0 || b.inf !== 0) return a.inf === b.inf ? 0 : a.inf < b.inf ? -1 : 1;
  return compareValues(a, b);
}

const closedAt = (b: Bound): boolean => b.inf === 0 && b.closed;

/** Lower ends: by point, a closed end first (it starts earlier). */
function compareLows(a: Bound, b: Bound): number {
  const c = comparePoints(a, b);
  return c !== 0 ? c : closedAt(a) === closedAt(b) ? 0 : closedAt(a) ? -1 : 1;
}

/** Upper ends: by point, a closed end last (it ends later). */
function compareHighs(a: Bound, b: Bound): number {
  const c = comparePoints(a, b);
  return c !== 0 ? c : closedAt(a) === closedAt(b) ? 0 : closedAt(a) ? 1 : -1;
}

/** An interval from two ends; null when empty; Unsupported when its order cannot be decided. */
function makeInterval(lo: Bound, hi: Bound): RealInterval | null {
  if (lo.inf === 1 || hi.inf === -1) return null;
  const c = comparePoints(lo, hi);
  if (c > 0) return null;
  if (c === 0 && !(closedAt(lo) && closedAt(hi))) return null;
  return { lo, hi };
}

/**
 * Sort and merge intervals into the canonical form: overlapping or touching (`[a,b) ∪ [b,c)`)
 * intervals become one; `(a,b) ∪ (b,c)` keeps its hole. With `disjoint`, any common point of two
 * members is Unsupported (the "and"/"or" ambiguity of a comma list).
 */
function canonical(intervals: RealInterval[], disjoint: boolean): RealInterval[] {
  const sorted = [...intervals].sort((a, b) => compareLows(a.lo, b.lo) || compareHighs(a.hi, b.hi));
  const out: RealInterval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (!last) {
      out.push(iv);
      continue;
    }
    const c = comparePoints(iv.lo, last.hi);
    const overlap = c < 0 || (c === 0 && closedAt(iv.lo) && closedAt(last.hi));
    if (overlap && disjoint) throw new Unsupported('members of a list overlap');
    if (overlap || (c === 0 && (closedAt(iv.lo) || closedAt(last.hi)))) {
      out[out.length - 1] = { lo: last.lo, hi: compareHighs(iv.hi, last.hi) > 0 ? iv.hi : last.hi };
    } else out.push(iv);
  }
  return out;
}

function intersect(a: RealInterval, b: RealInterval): RealInterval | null {
  const lo = compareLows(a.lo, b.lo) >= 0 ? a.lo : b.lo;
  const hi = compareHighs(a.hi, b.hi) <= 0 ? a.hi : b.hi;
  return makeInterval(lo, hi);
}

const WHOLE_LINE: RealInterval = { lo: { inf: -1 }, hi: { inf: 1 } };

// ---------------------------------------------------------------------------------------------
// Relations

type Op = '<' | '<=' | '>' | '>=' | '!=';

const OPERATOR = /<=|>=|≤|≥|≠|<|>|\\not\s*=|\\(?:leqslant|geqslant|leq|geq|le|ge|lt|gt|neq|ne)(?![A-Za-z])/g;

function operatorOf(token: string): Op {
  switch (token.replace(/^\\/, '')) {
    case '<':
    case 'lt':
      return '<';
    case '>':
    case 'gt':
      return '>';
    case '<=':
    case '≤':
    case 'le':
    case 'leq':
    case 'leqslant':
      return '<=';
    case '>=':
    case '≥':
    case 'ge':
    case 'geq':
    case 'geqslant':
      return '>=';
    default:
      return '!=';
  }
}

/** Split a relation into parts and the operators between them; null when there is no operator. */
function tokenize(text: string): { parts: string[]; ops: Op[] } | null {
  const parts: string[] = [];
  const ops: Op[] = [];
  let start = 0;
  for (const m of text.matchAll(OPERATOR)) {
    parts.push(text.slice(start, m.index).trim());
    ops.push(operatorOf(m[0]));
    start = m.index + m[0].length;
    if (parts.length >= MAX_RELATION_PARTS) throw new Unsupported('too many parts');
  }
  parts.push(text.slice(start).trim());
  return ops.length > 0 ? { parts, ops } : null;
}

/** The set of x with `left op right`, both sides linear in x: a half-line (or ℝ minus a point). */
function solvePair(left: Node, op: Op, right: Node, x: string): RealInterval[] {
  // ±∞ at an end: allowed only where it restricts nothing (`-\infty < x`, `x \leq \infty`)
  const li = infinitySign(left);
  const ri = infinitySign(right);
  if (li === 0 || ri === 0) throw new Unsupported('expression with infinity');
  if (li !== null || ri !== null) {
    if (op === '!=' || (li !== null && ri !== null)) throw new Unsupported('infinity compared with infinity');
    const inf = (li ?? ri)!;
    const other = li !== null ? right : left;
    if (!mentions(other, x)) throw new Unsupported('constant compared with infinity');
    coefficientSign(linear(other, x)?.c ?? null);
    // is "inf op other" (or "other op inf") true for every real value of other?
    const lessSide = op === '<' || op === '<=' ? (li !== null ? inf : -inf) : li !== null ? -inf : inf;
    if (lessSide !== -1) throw new Unsupported('empty relation with infinity');
    return [WHOLE_LINE];
  }
  const l = linear(left, x);
  const r = linear(right, x);
  if (!l || !r) throw new Unsupported('not linear');
  // (cL − cR)·x op (dR − dL)
  const c = addN(l.c, negN(r.c));
  const d = addN(r.d, negN(l.d));
  const sign = coefficientSign(c);
  const cr = exactForm(c!);
  const rational = cr ? polyRational(cr) : null;
  const value = d === null ? num(ZERO) : rational ? (mulN(num(rational.inv()), d) ?? num(ZERO)) : divN(d, c!)!;
  let dir: Op = op;
  if (sign < 0) dir = op === '<' ? '>' : op === '>' ? '<' : op === '<=' ? '>=' : op === '>=' ? '<=' : '!=';
  switch (dir) {
    case '<':
    case '<=':
      return [{ lo: { inf: -1 }, hi: finiteBound(value, dir === '<=') }];
    case '>':
    case '>=':
      return [{ lo: finiteBound(value, dir === '>='), hi: { inf: 1 } }];
    default:
      return [
        { lo: { inf: -1 }, hi: finiteBound(value, false) },
        { lo: finiteBound(value, false), hi: { inf: 1 } },
      ];
  }
}

/** One relation (a single inequality, `\neq`, or a chain of one direction) as intervals in its variable. */
function relationIntervals(text: string): { variable: string; intervals: RealInterval[] } {
  const t = tokenize(text);
  if (!t) throw new Unsupported('no relation');
  const nodes = t.parts.map((p) => {
    if (p === '') throw new Unsupported('empty side');
    return parseScalar(p);
  });
  const vars = new Set<string>();
  for (const n of nodes) freeVariables(n, vars);
  if (vars.size !== 1) throw new Unsupported(vars.size === 0 ? 'no variable' : 'more than one variable');
  const x = vars.values().next().value!;
  if (t.ops.length > 1) {
    if (t.ops.includes('!=')) throw new Unsupported('\\neq in a chain');
    const up = t.ops.every((o) => o === '<' || o === '<=');
    const down = t.ops.every((o) => o === '>' || o === '>=');
    if (!up && !down) throw new Unsupported('mixed directions');
  }
  let acc: RealInterval[] = [WHOLE_LINE];
  for (let k = 0; k < t.ops.length; k++) {
    const half = solvePair(nodes[k]!, t.ops[k]!, nodes[k + 1]!, x);
    const next: RealInterval[] = [];
    for (const a of acc) {
      for (const b of half) {
        const i = intersect(a, b);
        if (i) next.push(i);
      }
    }
    if (next.length === 0) throw new Unsupported('empty solution set');
    acc = canonical(next, false);
  }
  return { variable: x, intervals: acc };
}

/**
 * The solution set over ℝ of a normalised relation text in one variable (see the module comment),
 * or null when it is not one this module decides.
 */
export function relationSet(text: string): RealSet | null {
  if (text.length > MAX_RELATION_LENGTH) return null;
  return guard(() => {
    const members = splitTopLevel(text, [',', ';']).filter((m) => m !== '');
    if (members.length === 0 || members.length > MAX_RELATION_PARTS) return null;
    let variable: string | null = null;
    const all: RealInterval[] = [];
    for (const m of members) {
      const r = relationIntervals(m);
      if (variable !== null && r.variable !== variable) return null;
      variable = r.variable;
      all.push(...r.intervals);
    }
    return { variable, intervals: canonical(all, members.length > 1) };
  });
}

// ---------------------------------------------------------------------------------------------
// Intervals

const REALS = new Set(['R', '\\mathbb{R}', '\\mathbb R', '\\R', '\\Reals', 'ℝ']);

/** The constant end of an interval text; ±∞ as its sign; Unsupported otherwise. */
function intervalEnd(a: Answer, closed: boolean): Bound {
  if (a.kind !== 'scalar') throw new Unsupported('interval end is not a scalar');
  const node = parseScalar(a.text);
  const inf = infinitySign(node);
  if (inf === 0) throw new Unsupported('expression with infinity');
  if (inf !== null) {
    if (closed) throw new Unsupported('closed bracket at infinity');
    return { inf };
  }
  if (freeVariables(node).size > 0) throw new Unsupported('interval end with a variable');
  return finiteBound(node, closed);
}

function intervalsOf(a: Answer, inUnion: boolean): RealInterval[] {
  if (a.kind === 'scalar' && REALS.has(a.text.replace(/\s+/g, ' ').trim())) return [WHOLE_LINE];
  if (
    a.kind === 'seq' &&
    a.items.length === 2 &&
    (a.open === '(' || a.open === '[') &&
    (a.close === ')' || a.close === ']')
  ) {
    const lo = intervalEnd(a.items[0]!, a.open === '[');
    const hi = intervalEnd(a.items[1]!, a.close === ']');
    if (lo.inf === 1 || hi.inf === -1) throw new Unsupported('interval from +∞ or to −∞');
    if (comparePoints(lo, hi) > 0) throw new Unsupported('interval with lo > hi');
    const iv = makeInterval(lo, hi);
    if (!iv) throw new Unsupported('empty interval');
    return [iv];
  }
  if (inUnion && a.kind === 'set' && a.items.length > 0 && a.items.length <= MAX_UNION_PARTS) {
    return a.items.map((item) => {
      const b = intervalEnd(item, true);
      if (b.inf !== 0) throw new Unsupported('infinity as an element');
      return { lo: b, hi: b };
    });
  }
  throw new Unsupported('not an interval');
}

/**
 * The subset of ℝ that an interval answer denotes (an interval `seq`, a `\cup` of intervals and
 * finite sets, `\mathbb{R}`), canonical as in {@link relationSet}; null for anything else.
 */
export function intervalSet(answer: Answer): RealSet | null {
  return guard(() => {
    let intervals: RealInterval[];
    if (answer.kind === 'union') {
      if (answer.items.length > MAX_UNION_PARTS) return null;
      intervals = answer.items.flatMap((item) => intervalsOf(item, true));
    } else intervals = intervalsOf(answer, false);
    return { variable: null, intervals: canonical(intervals, false) };
  });
}

// ---------------------------------------------------------------------------------------------
// Comparison

function sameBound(a: Bound, b: Bound, sameValue: (x: Node, y: Node) => boolean): boolean {
  if (a.inf !== 0 || b.inf !== 0) return a.inf === b.inf;
  return a.closed === b.closed && sameValue(a.node, b.node);
}

/**
 * True when two sets have the same intervals: count, open/closed ends, ±∞, and finite ends equal by
 * `sameValue` (the caller's exact scalar comparison). Variable names are not compared here.
 */
export function sameRealSet(a: RealSet, b: RealSet, sameValue: (x: Node, y: Node) => boolean): boolean {
  if (a.intervals.length !== b.intervals.length) return false;
  return a.intervals.every((iv, k) => {
    const jv = b.intervals[k]!;
    return sameBound(iv.lo, jv.lo, sameValue) && sameBound(iv.hi, jv.hi, sameValue);
  });
}
