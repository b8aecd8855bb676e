/**
 * Equivalence of a predicted answer with the gold answer.
 *
 * Scalars go through, in order: (1) equality of the normalised strings; (2) words (`\text{Monday}`,
 * `odd`) are compared as case-insensitive text only; (3) the own parser and the exact normal form of
 * `algebra.ts` (bigint rationals, radicals, π, e, i, polynomials in variables): two exact forms are
 * equal or not, with no tolerance at all, so `\frac{1}{2^{99}}` ≠ `\frac{1}{2^{98}}` and
 * `10^{100}+1` ≠ `10^{100}`; (4) when an exact form does not exist (functions, division by sums),
 * a numeric check in complex doubles with a *relative* tolerance of 1e-9 (no absolute tolerance, so
 * tiny values are never "equal to zero"), at 8 seeded pseudo-random points when there are
 * variables; (5) compute-engine, only when the own parser rejects the text.
 *
 * Decimal approximations: a prediction that is a single decimal literal matches a gold that has no
 * decimal literal and no finite decimal expansion (irrational, or a fraction like 1/3) only when it
 * has at least {@link MIN_APPROX_DIGITS} significant digits and is within one unit of its last digit
 * (correctly rounded or truncated): `\frac13` vs `0.333333` ✓, vs `0.333` ✗; `2\pi` vs `6.28319` ✓,
 * vs `6.28` ✗. A gold with a finite decimal expansion (12, 0.5, 3/8) needs an exactly equal value.
 */
import { SeededRandom } from '@rlvr/core';
import {
  NotExact,
  normalForm,
  polyEquals,
  polyIsConstant,
  polyProportional,
  polyRational,
  polySub,
} from './algebra.js';
import type { Poly } from './algebra.js';
import { ceEvaluatePair } from './engine.js';
import { ParseError, evaluate, freeVariables, hasDecimal, parseScalar } from './expr.js';
import type { Complex, Node } from './expr.js';
import { commutedKey } from './commuted.js';
import { compactKey } from './normalize.js';
import { intervalSet, relationSet, sameRealSet } from './relations.js';
import { decimalPlaces } from '../exact/rational.js';
import { isExactRefusal } from './rational.js';
import { isLabel, parseStructure, splitTopLevel } from './structure.js';
import type { Answer } from './structure.js';
import { checkDeadline } from '../deadline.js';

/** Result of a comparison: equal, not equal, or undecided with a reason (scored 0). */
export type Verdict = { eq: true } | { eq: false; reason?: string };

const EQ: Verdict = { eq: true };
const NE: Verdict = { eq: false };

/** Fewest significant digits a decimal approximation of an exact gold needs (see module comment). */
export const MIN_APPROX_DIGITS = 6;
/** Relative tolerance of the numeric checks (doubles carry ~16 digits; expressions lose a few). */
export const REL_TOL = 1e-11;
/** Points tried for expressions with variables, and how many must be defined on both sides. */
const POINTS = 8;
const MIN_VALID_POINTS = 3;

interface ParsedScalar {
  node?: Node;
  error?: string;
  tooComplex?: boolean;
  poly?: Poly | null; // null: no exact form
  polyTooComplex?: boolean;
}

// Parsed scalars by text. Parsing is pure, so a cache changes speed, never results. Bounded size.
const cache = new Map<string, ParsedScalar>();
const CACHE_LIMIT = 4096;

function parsed(text: string): ParsedScalar {
  let r = cache.get(text);
  if (r) return r;
  try {
    r = { node: parseScalar(text) };
  } catch (e) {
    if (isExactRefusal(e)) r = { error: `too-complex: ${e.message}`, tooComplex: true };
    else if (e instanceof ParseError) r = { error: e.message };
    else throw e;
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, r);
  return r;
}

function exact(ps: ParsedScalar): Poly | null {
  if (ps.poly !== undefined) return ps.poly;
  try {
    ps.poly = normalForm(ps.node!);
  } catch (e) {
    if (e instanceof NotExact) ps.poly = null;
    else if (isExactRefusal(e)) {
      ps.poly = null;
      ps.polyTooComplex = true;
    } else throw e;
  }
  return ps.poly;
}

function finite(z: Complex): boolean {
  return Number.isFinite(z.re) && Number.isFinite(z.im);
}

/** Relative closeness of two complex numbers; exact zero only equals exact zero. */
export function relClose(a: Complex, b: Complex, tol = REL_TOL): boolean {
  if (a.re === b.re && a.im === b.im) return true;
  const scale = Math.max(Math.hypot(a.re, a.im), Math.hypot(b.re, b.im));
  return Math.hypot(a.re - b.re, a.im - b.im) <= tol * scale;
}

/** The seeded evaluation points for a list of variables: magnitudes in [0.3, 3], alternating signs. */
export function randomPoints(vars: readonly string[]): Array<Record<string, number>> {
  // A fixed seed: the same points for every comparison, so verdicts are deterministic.
  const random = new SeededRandom(0x5eed);
  const out: Array<Record<string, number>> = [];
  for (let k = 0; k < POINTS; k++) {
    const pt: Record<string, number> = {};
    for (const v of vars) pt[v] = (k % 2 === 0 ? 1 : -1) * (0.3 + 2.7 * random.next());
    out.push(pt);
  }
  return out;
}

const TEXTUAL = /[A-Za-z]{3,}/;
function isTextual(s: string): boolean {
  return TEXTUAL.test(s.replace(/\\[A-Za-z]+/g, ' '));
}
function textKey(s: string): string {
  return s.replace(/[\s{}]/g, '').toLowerCase();
}

/** Significant digits of a decimal literal and the size of one unit in its last place. */
function decimalPrecision(literal: string): { digits: number; ulp: number } {
  const [int = '', frac = ''] = literal.split('.');
  const digits = (int + frac).replace(/^0+/, '').length;
  return { digits, ulp: Math.pow(10, -frac.length) };
}

/** A single decimal literal (optionally negated), as a node and its sign. */
function decimalLiteral(node: Node): { literal: string; sign: number } | null {
  if (node.k === 'num' && node.decimal) return { literal: node.literal, sign: 1 };
  if (node.k === 'neg' && node.a.k === 'num' && node.a.decimal) return { literal: node.a.literal, sign: -1 };
  return null;
}

function terminates(p: Poly | null | undefined): boolean {
  const r = p ? polyRational(p) : null;
  if (!r) return false;
  return decimalPlaces(r.d) !== null;
}

/** The decimal-approximation policy (module comment). `goldValue` is the gold's numeric value. */
function approximates(
  pred: Node,
  goldNode: Node | undefined,
  goldPoly: Poly | null | undefined,
  goldValue: Complex,
): boolean {
  const lit = decimalLiteral(pred);
  if (!lit || (goldNode && hasDecimal(goldNode)) || terminates(goldPoly) || !finite(goldValue)) return false;
  if (goldValue.im !== 0 && Math.abs(goldValue.im) > REL_TOL * Math.abs(goldValue.re)) return false;
  const { digits, ulp } = decimalPrecision(lit.literal);
  if (digits < MIN_APPROX_DIGITS) return false;
  const value = lit.sign * Number(lit.literal);
  // one unit in the last place, plus double rounding slack
  return Math.abs(value - goldValue.re) <= ulp * (1 + 1e-9) + 4e-16 * Math.abs(goldValue.re);
}

function numericCompare(g: Node, p: Node, vars: string[]): Verdict | null {
  if (vars.length === 0) {
    const a = evaluate(g, new Map());
    const b = evaluate(p, new Map());
    if (!finite(a) || !finite(b)) {
      if (
        !Number.isNaN(a.re) &&
        !Number.isNaN(b.re) &&
        (a.re === Infinity || a.re === -Infinity) &&
        a.re === b.re &&
        a.im === b.im
      ) {
        return null;
      }
      return finite(a) !== finite(b) && !Number.isNaN(a.re) && !Number.isNaN(b.re) ? NE : null;
    }
    return relClose(a, b) ? EQ : NE;
  }
  let valid = 0;
  for (const pt of randomPoints(vars)) {
    checkDeadline();
    const env = new Map(Object.entries(pt));
    const a = evaluate(g, env);
    const b = evaluate(p, env);
    if (!finite(a) || !finite(b)) continue;
    valid++;
    if (!relClose(a, b)) return NE;
  }
  return valid >= MIN_VALID_POINTS ? EQ : null;
}

function ceCompare(g: string, p: string, pNode: Node | undefined): Verdict {
  const r = ceEvaluatePair(g, p, randomPoints);
  if (!r.ok) return { eq: false, reason: r.reason };
  let valid = 0;
  for (const { g: a, p: b } of r.pairs) {
    if (!finite(a) || !finite(b)) continue;
    valid++;
    if (!relClose(a, b)) {
      if (r.vars.length === 0 && pNode && approximates(pNode, undefined, undefined, a)) return EQ;
      return NE;
    }
  }
  if (valid >= Math.min(MIN_VALID_POINTS, r.pairs.length)) return EQ;
  return { eq: false, reason: 'unparseable: could not evaluate the answers' };
}

/** +1 / −1 for `\infty` / `-\infty`, 0 for another expression that mentions ∞, null without ∞. */
function infinitySign(node: Node): number | null {
  if (node.k === 'sym' && node.name === 'inf') return 1;
  if (node.k === 'neg' && node.a.k === 'sym' && node.a.name === 'inf') return -1;
  const mentions = (n: Node): boolean =>
    n.k === 'sym'
      ? n.name === 'inf'
      : n.k === 'num'
        ? false
        : n.k === 'neg' || n.k === 'fact' || n.k === 'fn'
          ? mentions(n.a)
          : n.k === 'root'
            ? mentions(n.a) || mentions(n.n)
            : mentions(n.a) || mentions(n.b);
  return mentions(node) ? 0 : null;
}

/** Compare two scalar answers (normalised text). */
export function compareScalars(g: string, p: string): Verdict {
  if (compactKey(g) === compactKey(p)) return EQ;
  if (g === '' || p === '') return NE;
  if (isTextual(g) || isTextual(p)) return textKey(g) === textKey(p) ? EQ : NE;
  const G = parsed(g);
  const P = parsed(p);
  if (!G.node || !P.node) {
    // not evaluated (a sum, an unknown command, a number too large): the same text up to the order
    // of factors is equal
    if (commutedKey(compactKey(g)) === commutedKey(compactKey(p))) return EQ;
    if (G.tooComplex || P.tooComplex) return { eq: false, reason: (P.tooComplex ? P.error : G.error)! };
    return ceCompare(g, p, P.node);
  }
  const gi = infinitySign(G.node);
  const pi = infinitySign(P.node);
  if (gi !== null || pi !== null) return gi !== null && gi === pi ? EQ : NE;
  const gp = exact(G);
  const pp = exact(P);
  if (gp && pp) {
    if (polyEquals(gp, pp)) return EQ;
    if (polyIsConstant(gp) && decimalLiteral(P.node)) {
      if (approximates(P.node, G.node, gp, evaluate(G.node, new Map()))) return EQ;
    }
    // the same rule the other way: a gold given as a long decimal (4.123105625617661) accepts the
    // exact value it rounds (\sqrt{17})
    if (polyIsConstant(pp) && decimalLiteral(G.node)) {
      if (approximates(G.node, P.node, pp, evaluate(P.node, new Map()))) return EQ;
    }
    return NE;
  }
  const vars = [...freeVariables(G.node, freeVariables(P.node))].sort();
  const v = numericCompare(G.node, P.node, vars);
  // When exact work was refused for size, doubles may only tell values apart, never call them equal
  // ((1+10^{-9})^{10^9} agrees with e to 9 digits).
  if ((G.polyTooComplex || P.polyTooComplex) && !(v && !v.eq)) {
    return { eq: false, reason: 'too-complex: numbers too large to compare exactly' };
  }
  if (v && !v.eq && vars.length === 0 && approximates(P.node, G.node, gp, evaluate(G.node, new Map()))) return EQ;
  if (v) return v;
  return { eq: false, reason: 'unparseable: could not evaluate the answers' };
}

/** The variables a label mentions (letters and commands outside subscripts, or its parse's). */
function labelVariables(label: string): Set<string> {
  // f(x) = x^2+1 names f: the argument is the function's parameter, free on the right
  label = label.replace(/\([^()]*\)$/, '');
  const node = parsed(label).node;
  if (node) return freeVariables(node);
  return new Set(
    label
      .replace(/_\{?[A-Za-z0-9]*\}?/g, '')
      .match(/\\[A-Za-z]+|[A-Za-z]/g)
      ?.map((v) => v.replace(/^\\/, '')) ?? [],
  );
}

/**
 * An equation that names a value: its first side is a label (`x`, `f(x)`, `AB`, `|AB|`,
 * `V_1:V_2`, `(x,y)`; see `isLabel`) whose variables do not occur in the last side; in a chain, the
 * first side that is a label names the last side (`x = 5+5+1 = 11` names 11). So `x=3` and `3` are the same answer,
 * both ways, while `x = x+1`, `7 = 11a+c` or `a+3z = 0` name nothing.
 */
function assignment(a: Answer): { label: string; value: Answer } | null {
  if (a.kind !== 'equation') return null;
  // the label is the first side that is one: `x = 5+5+1 = 11`, also `1 = \zzz = x = 0`
  const sides = splitTopLevel(a.lhs, ['=']).map(compactKey);
  const label = sides.find((side) => isLabel(side)) ?? sides[0]!;
  if (isLabel(label)) {
    const value = parsed(compactKey(a.rhs));
    const rhsVariables = value.node ? freeVariables(value.node) : new Set<string>();
    for (const v of labelVariables(label)) if (rhsVariables.has(v)) return null;
    return { label, value: parseStructure(a.rhs) };
  }
  if (TUPLE_LHS.test(label)) return { label, value: parseStructure(a.rhs) };
  return null;
}

const TUPLE_LHS = /^\((?:\s*[A-Za-z](?:_\{?[A-Za-z0-9]{1,4}\}?)?\s*,)+\s*[A-Za-z](?:_\{?[A-Za-z0-9]{1,4}\}?)?\s*\)$/;

function compareEquations(gl: string, gr: string, pl: string, pr: string): Verdict {
  const parts = [gl, gr, pl, pr].map((x) => parsed(x));
  if (parts.some((x) => x.tooComplex)) {
    // not evaluated (a sum, a huge power): the same text up to the order of factors is still equal
    const same =
      commutedKey(compactKey(gl)) === commutedKey(compactKey(pl)) &&
      commutedKey(compactKey(gr)) === commutedKey(compactKey(pr));
    return same ? EQ : { eq: false, reason: 'too-complex: equation too large' };
  }
  if (parts.some((x) => !x.node)) {
    return compactKey(gl) === compactKey(pl) && compactKey(gr) === compactKey(pr)
      ? EQ
      : { eq: false, reason: 'unparseable: equation' };
  }
  const [a, b, c, d] = parts.map((x) => x.node!) as [Node, Node, Node, Node];
  const f: Node = { k: 'add', a, b: { k: 'neg', a: b } };
  const h: Node = { k: 'add', a: c, b: { k: 'neg', a: d } };
  try {
    const F = polySub(normalForm(a), normalForm(b));
    const H = polySub(normalForm(c), normalForm(d));
    return polyProportional(F, H) ? EQ : NE;
  } catch (e) {
    if (!(e instanceof NotExact || isExactRefusal(e))) throw e;
  }
  // numeric: (c−d)/(a−b) must be the same non-zero constant at every point
  const vars = [...freeVariables(f, freeVariables(h))].sort();
  let ratio: Complex | null = null;
  let valid = 0;
  for (const pt of randomPoints(vars)) {
    checkDeadline();
    const env = new Map(Object.entries(pt));
    const x = evaluate(f, env);
    const y = evaluate(h, env);
    if (!finite(x) || !finite(y) || (x.re === 0 && x.im === 0)) continue;
    const d2 = x.re * x.re + x.im * x.im;
    const r = { re: (y.re * x.re + y.im * x.im) / d2, im: (y.im * x.re - y.re * x.im) / d2 };
    if (!finite(r)) continue;
    valid++;
    if (ratio === null) ratio = r;
    else if (!relClose(ratio, r, 1e-7)) return NE;
  }
  if (ratio && ratio.re === 0 && ratio.im === 0) return NE;
  return valid >= MIN_VALID_POINTS ? EQ : { eq: false, reason: 'unparseable: could not evaluate the equations' };
}

function undecided(vs: Verdict[]): Verdict {
  for (const v of vs) if (!v.eq && v.reason) return v;
  return NE;
}

/** Every gold element matched by a predicted one and vice versa (sets, lists: order free). */
function compareSets(g: Answer[], p: Answer[]): Verdict {
  const seen: Verdict[] = [];
  const matchAll = (xs: Answer[], ys: Answer[], flip: boolean): boolean =>
    xs.every((x) =>
      ys.some((y) => {
        const v = flip ? compareAnswers(y, x) : compareAnswers(x, y);
        if (!v.eq) seen.push(v);
        return v.eq;
      }),
    );
  if (matchAll(g, p, false) && matchAll(p, g, true)) return EQ;
  return g.length === p.length ? undecided(seen) : NE;
}

function compareSeqs(g: Answer[], p: Answer[]): Verdict {
  if (g.length !== p.length) return NE;
  for (let k = 0; k < g.length; k++) {
    const v = compareAnswers(g[k]!, p[k]!);
    if (!v.eq) return v;
  }
  return EQ;
}

const isSetLike = (a: Answer): a is Extract<Answer, { kind: 'set' | 'list' }> => a.kind === 'set' || a.kind === 'list';

/** Compare a gold answer with a predicted one (both structured). */
export function compareAnswers(g: Answer, p: Answer): Verdict {
  if (g.kind === 'equation' && p.kind === 'equation') {
    const gv = assignment(g);
    const pv = assignment(p);
    if (gv && pv && gv.label === pv.label) return compareAnswers(gv.value, pv.value);
    if (gv && gv.value.kind !== 'scalar') return NE;
    return compareEquations(g.lhs, g.rhs, p.lhs, p.rhs);
  }
  if (g.kind === 'equation') {
    const gv = assignment(g);
    return gv ? compareAnswers(gv.value, p) : NE;
  }
  if (p.kind === 'equation') {
    const pv = assignment(p);
    return pv ? compareAnswers(g, pv.value) : NE;
  }
  const goldRelation = relationText(g);
  const relationVerdict = goldRelation === null ? null : compareRelation(goldRelation, p);
  if (relationVerdict) return relationVerdict;
  if (isSetLike(g) && isSetLike(p)) return compareSets(g.items, p.items);
  if (isSetLike(g)) return g.items.length === 1 ? compareAnswers(g.items[0]!, p) : NE;
  if (isSetLike(p)) return p.items.length === 1 ? compareAnswers(g, p.items[0]!) : NE;
  if (g.kind === 'seq' && p.kind === 'seq') {
    return g.open === p.open && g.close === p.close ? compareSeqs(g.items, p.items) : NE;
  }
  if (g.kind === 'union' && p.kind === 'union') return compareSets(g.items, p.items);
  if (g.kind === 'matrix' && p.kind === 'matrix') {
    if (g.rows.length !== p.rows.length || g.rows.some((r, k) => r.length !== p.rows[k]!.length)) return NE;
    return compareSeqs(g.rows.flat(), p.rows.flat());
  }
  if (g.kind === 'scalar' && p.kind === 'scalar') return compareScalars(g.text, p.text);
  return NE;
}

/** The text of a relation answer, or of a list of relations (`x \leq -1, x > 2`); else null. */
function relationText(a: Answer): string | null {
  if (a.kind === 'relation') return a.text;
  if (a.kind === 'list' && a.items.every((item) => item.kind === 'relation')) {
    return a.items.map((item) => (item as { text: string }).text).join(', ');
  }
  return null;
}

/**
 * A gold relation against a prediction: the same text, or the same set of reals in the same
 * variable (`5 \geq x` = `x \leq 5`, `-x > -1` = `x < 1`), or an interval or union of intervals
 * equal to the gold's solution set (`-793 < a < 10` accepts `(-793, 10)`). Not the reverse: a gold
 * `(1,2)` may be a point, so a predicted relation does not match a gold interval. Null when no
 * solution set can be read: lists of relations are then compared element by element, as text.
 */
function compareRelation(gold: string, p: Answer): Verdict | null {
  gold = withoutAbsoluteValue(functionAsVariable(gold));
  const rawPredicted = relationText(p);
  const predicted = rawPredicted === null ? null : withoutAbsoluteValue(functionAsVariable(rawPredicted));
  if (predicted !== null && compactKey(gold) === compactKey(predicted)) return EQ;
  const goldSet = relationSet(gold);
  if (!goldSet) return p.kind === 'relation' ? NE : null;
  const predictedSet = predicted !== null ? relationSet(predicted) : intervalSet(p);
  if (!predictedSet) return p.kind === 'relation' ? NE : null;
  if (predicted !== null && predictedSet.variable !== goldSet.variable) return NE;
  return sameRealSet(goldSet, predictedSet, sameValue) ? EQ : NE;
}

/** `<` or `\leq` in a spacing-free relation. */
const LESS = String.raw`(<|\\leq)`;
/** `a < |v| < b` (either end open or closed). */
const ABS_BETWEEN = new RegExp(String.raw`^([^|]+?)${LESS}\|([A-Za-z])\|${LESS}([^|]+)$`);
/** `|v| < b`. */
const ABS_BELOW = new RegExp(String.raw`^\|([A-Za-z])\|${LESS}([^|]+)$`);
/** `|v| > a`. */
const ABS_ABOVE = /^\|([A-Za-z])\|(>|\\geq)([^|]+)$/;

/**
 * An absolute value of one variable bounded by constants, as the equivalent relations on the
 * variable: `|v| < b` → `-(b) < v < b`, `|v| > a` → `v < -(a), v > a`, `a \leq |v| \leq b` →
 * `-(b) \leq v \leq -(a), a \leq v \leq b`. With a negative bound the parts overlap or are empty,
 * and `relationSet` then reads nothing, so no wrong set is ever made. Other text is unchanged.
 */
function withoutAbsoluteValue(relation: string): string {
  const s = compactKey(relation);
  let m = ABS_BETWEEN.exec(s);
  if (m) {
    const [, a, op1, v, op2, b] = m as unknown as [string, string, string, string, string, string];
    return `-(${b}) ${op2} ${v} ${op1} -(${a}), ${a} ${op1} ${v} ${op2} ${b}`;
  }
  m = ABS_BELOW.exec(s);
  if (m) return `-(${m[3]}) ${m[2]} ${m[1]} ${m[2]} ${m[3]}`;
  m = ABS_ABOVE.exec(s);
  if (m) return `${m[1]} ${m[2] === '>' ? '<' : '\\leq'} -(${m[3]}), ${m[1]} ${m[2]} ${m[3]}`;
  return relation;
}

/** `0 < f(x) < 1`: a function value bounded as one quantity, read as the variable `f_{x}`. */
function functionAsVariable(relation: string): string {
  return relation.replace(/(?<![A-Za-z\\])([A-Za-z])\(([A-Za-z])\)/g, '$1_{$2}');
}

/** Exact equality of two constant trees (the interval ends of `relations.ts`); doubles only without an exact form. */
function sameValue(x: Node, y: Node): boolean {
  try {
    return polyEquals(normalForm(x), normalForm(y));
  } catch (e) {
    if (!(e instanceof NotExact || isExactRefusal(e))) throw e;
  }
  const a = evaluate(x, new Map());
  const b = evaluate(y, new Map());
  return finite(a) && finite(b) && relClose(a, b);
}
