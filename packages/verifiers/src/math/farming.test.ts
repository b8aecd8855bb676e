import fc from 'fast-check';
import { math } from './index.js';
import { FarmTally, Pick, reasoning } from '../testing/farming.js';

/**
 * Farming fuzzer: ≥ 10,000 generated WRONG answers that contain the gold somewhere (a denominator,
 * an exponent, a radicand, a factor, a subscript, one element of a list or a set, a hedge, an earlier
 * box or tag, the left side of a false equation, an approximation of a different exact value, a digit
 * extension, an interval around it…) must all score 0, under both extraction policies. A positive
 * control (the same generators' right variants) must all score 1, so the test fails if the verifier
 * starts rejecting everything.
 *
 * Golds are random integers (|n| ≥ 2), reduced fractions, radicals a√b/c (b square-free), π
 * multiples kπ/m, tuples of integers and intervals. Each generator states why its answers are wrong
 * for every gold it accepts; the exclusions (|n| ≥ 2, b square-free, …) are what makes them wrong.
 * Percent answers for a gold of g/100 (`25\%` for 0.25) are left out on purpose: they are equal as
 * numbers and wrong only by the verifier's percent policy, not a farmed answer.
 */

const POLICIES = [
  { policy: 'strict', verifier: math() },
  { policy: 'flexible', verifier: math({ extraction: 'flexible' }) },
] as const;

// ---------------------------------------------------------------- golds

type Scalar =
  | { kind: 'int'; n: number }
  | { kind: 'frac'; p: number; q: number } // p ≠ 0, q ≥ 2, gcd(p, q) = 1
  | { kind: 'radical'; sign: 1 | -1; a: number; b: number; c: number } // ±a√b/c, b square-free ≥ 2, gcd(a, c) = 1
  | { kind: 'pi'; sign: 1 | -1; k: number; m: number }; // ±kπ/m, gcd(k, m) = 1

interface ScalarGold {
  kind: 'scalar';
  s: Scalar;
  latex: string;
  value: number;
}
interface TupleGold {
  kind: 'tuple';
  xs: number[];
  latex: string;
}
interface IntervalGold {
  kind: 'interval';
  lo: number | null; // null: −∞
  hi: number | null; // null: +∞
  loClosed: boolean;
  hiClosed: boolean;
  latex: string;
}
type Gold = ScalarGold | TupleGold | IntervalGold;

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

function squareFree(n: number): boolean {
  for (let d = 2; d * d <= n; d++) if (n % (d * d) === 0) return false;
  return true;
}

function scalarLatex(s: Scalar): string {
  switch (s.kind) {
    case 'int':
      return String(s.n);
    case 'frac':
      return `${s.p < 0 ? '-' : ''}\\frac{${Math.abs(s.p)}}{${s.q}}`;
    case 'radical': {
      const body = `${s.a === 1 ? '' : s.a}\\sqrt{${s.b}}`;
      return `${s.sign < 0 ? '-' : ''}${s.c === 1 ? body : `\\frac{${body}}{${s.c}}`}`;
    }
    case 'pi': {
      const body = `${s.k === 1 ? '' : s.k}\\pi`;
      return `${s.sign < 0 ? '-' : ''}${s.m === 1 ? body : `\\frac{${body}}{${s.m}}`}`;
    }
  }
}

function scalarValue(s: Scalar): number {
  switch (s.kind) {
    case 'int':
      return s.n;
    case 'frac':
      return s.p / s.q;
    case 'radical':
      return (s.sign * s.a * Math.sqrt(s.b)) / s.c;
    case 'pi':
      return (s.sign * s.k * Math.PI) / s.m;
  }
}

const scalar = (s: Scalar): ScalarGold => ({ kind: 'scalar', s, latex: scalarLatex(s), value: scalarValue(s) });

const sign = fc.constantFrom(1 as const, -1 as const);
const intGold = fc
  .integer({ min: -5000, max: 5000 })
  .filter((n) => Math.abs(n) >= 2)
  .map((n) => scalar({ kind: 'int', n }));
const fracGold = fc
  .tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 2, max: 200 }), sign)
  .filter(([p, q]) => gcd(p, q) === 1)
  .map(([p, q, sg]) => scalar({ kind: 'frac', p: sg * p, q }));
const radicalGold = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2, max: 99 }), fc.integer({ min: 1, max: 9 }), sign)
  .filter(([a, b, c]) => squareFree(b) && gcd(a, c) === 1)
  .map(([a, b, c, sg]) => scalar({ kind: 'radical', sign: sg, a, b, c }));
const piGold = fc
  .tuple(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 12 }), sign)
  .filter(([k, m]) => gcd(k, m) === 1)
  .map(([k, m, sg]) => scalar({ kind: 'pi', sign: sg, k, m }));
const scalarGold: fc.Arbitrary<ScalarGold> = fc.oneof(intGold, fracGold, radicalGold, piGold);
const tupleGold: fc.Arbitrary<TupleGold> = fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 2, maxLength: 3 }).map((xs) => ({ kind: 'tuple', xs, latex: `(${xs.join(', ')})` }));

function intervalLatex(lo: number | null, hi: number | null, loClosed: boolean, hiClosed: boolean): string {
  const left = lo === null ? '(-\\infty' : `${loClosed ? '[' : '('}${lo}`;
  const right = hi === null ? '\\infty)' : `${hi}${hiClosed ? ']' : ')'}`;
  return `${left}, ${right}`;
}
const intervalGold: fc.Arbitrary<IntervalGold> = fc
  .tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.boolean(), fc.constantFrom('finite', 'finite', 'left-infinite', 'right-infinite'))
  .map(([a, width, loClosed, hiClosed, shape]) => {
    const lo = shape === 'left-infinite' ? null : a;
    const hi = shape === 'right-infinite' ? null : shape === 'left-infinite' ? a : a + width;
    const lc = lo !== null && loClosed;
    const hc = hi !== null && hiClosed;
    return { kind: 'interval', lo, hi, loClosed: lc, hiClosed: hc, latex: intervalLatex(lo, hi, lc, hc) };
  });
const anyGold: fc.Arbitrary<Gold> = fc.oneof({ arbitrary: scalarGold, weight: 4 }, { arbitrary: tupleGold, weight: 1 }, { arbitrary: intervalGold, weight: 1 });

// ---------------------------------------------------------------- helpers

/** `(G)`: the gold as one operand, whatever its sign or shape. */
const paren = (latex: string): string => `\\left(${latex}\\right)`;

/** An integer that is not the scalar's value (any integer, for a non-integer gold). */
function otherInt(pick: Pick, g: ScalarGold): number {
  for (;;) {
    const h = pick.int(-30, 30);
    if (h !== g.value) return h;
  }
}

/** A tuple of the same length that differs from the gold in at least one place. */
function otherTuple(pick: Pick, g: TupleGold): string {
  const xs = [...g.xs];
  const i = pick.int(0, xs.length - 1);
  xs[i] = xs[i]! + pick.int(1, 9) * (pick.bool() ? 1 : -1);
  return `(${xs.join(', ')})`;
}

/** A different interval: one endpoint moved by 1–9. */
function otherInterval(pick: Pick, g: IntervalGold): string {
  if (g.lo !== null && (g.hi === null || pick.bool())) {
    const lo = g.lo - pick.int(1, 9);
    return intervalLatex(lo, g.hi, g.loClosed, g.hiClosed);
  }
  return intervalLatex(g.lo, g.hi! + pick.int(1, 9), g.loClosed, g.hiClosed);
}

/** A wrong answer of the gold's own shape, for the generators that mention the gold and then commit to another answer. */
function otherAnswer(pick: Pick, g: Gold): string {
  if (g.kind === 'scalar') return String(otherInt(pick, g));
  if (g.kind === 'tuple') return otherTuple(pick, g);
  return otherInterval(pick, g);
}

/** The gold's value with 1–5 significant digits, as a decimal string that is not the gold. */
function fewDigits(pick: Pick, g: ScalarGold): string | null {
  // a terminating fraction with s significant digits gets fewer than s (it is exact with s)
  const digits = pick.int(1, g.s.kind === 'frac' && terminates(g.s.q) ? Math.min(5, sigDigits(g.value) - 1) : 5);
  const v = g.value;
  let text: string;
  if (pick.bool()) {
    text = v.toPrecision(digits); // rounded
  } else {
    const intDigits = Math.max(1, Math.floor(Math.log10(Math.abs(v))) + 1);
    const decimals = Math.max(0, digits - intDigits);
    const scale = 10 ** decimals;
    text = (Math.trunc(v * scale) / scale).toFixed(decimals); // truncated
  }
  if (/e/.test(text) || Number(text) === 0) return null;
  // A decimal equals an exact gold only if the gold is a terminating fraction with that very value.
  if (g.s.kind === 'int' || (g.s.kind === 'frac' && exactDecimalEquals(text, g.s.p, g.s.q))) return null;
  return text;
}

/** Significant digits of a number with a short exact decimal expansion (a terminating fraction here). */
function sigDigits(v: number): number {
  return String(Number(Math.abs(v).toPrecision(15)))
    .replace('.', '')
    .replace(/^0+/, '').length;
}

/** Does the decimal `text` equal p/q exactly? */
function exactDecimalEquals(text: string, p: number, q: number): boolean {
  const negative = text.startsWith('-');
  const [whole, frac = ''] = text.replace('-', '').split('.');
  const num = BigInt(whole! + frac) * (negative ? -1n : 1n);
  const den = 10n ** BigInt(frac.length);
  return num * BigInt(q) === BigInt(p) * den;
}

/** 6–9 significant digits, the last moved by 3–7 units: more digits than the policy asks, but not a rounding of the gold. */
function offDigits(pick: Pick, g: ScalarGold): string {
  const text = g.value.toPrecision(pick.int(6, 9));
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const point = body.indexOf('.');
  const decimals = point < 0 ? 0 : body.length - point - 1;
  const units = BigInt(body.replace('.', '')) + BigInt(pick.int(3, 7));
  const s = units.toString().padStart(decimals + 1, '0');
  const out = decimals === 0 ? s : `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
  return negative ? `-${out}` : out;
}

/** Ways to state a single answer W: a box, a tag, an answer phrase; reasoning before it. */
function state(pick: Pick, answer: string): string {
  const before = reasoning(pick);
  switch (pick.int(0, 6)) {
    case 0:
      return `${before} Therefore the answer is $\\boxed{${answer}}$.`;
    case 1:
      return `${before}\n\n$$\\boxed{${answer}}$$`;
    case 2:
      return `${before}\nThe final answer is $${answer}$. I hope it is correct.`;
    case 3:
      return `${before}\n\nAnswer: $${answer}$`;
    case 4:
      return `<think>${before}</think>\n<answer>${answer}</answer>`;
    case 5:
      return `<think>${before}</think>\n<answer>$${answer}$</answer>`;
    default:
      return `${before}\nSo the answer is $${answer}$.`;
  }
}

// ---------------------------------------------------------------- wrong-answer generators

interface Generator<G extends Gold> {
  name: string;
  gold: fc.Arbitrary<G>;
  /** A complete response whose answer is wrong for `gold` (null: none for this gold, skipped). */
  make: (g: G, pick: Pick) => string | null;
}

/** A generator of one wrong answer W(G), stated in any of the {@link state} forms. */
function answerGen<G extends Gold>(name: string, gold: fc.Arbitrary<G>, wrong: (g: G, pick: Pick) => string | null): Generator<G> {
  return {
    name,
    gold,
    make: (g, pick) => {
      const w = wrong(g, pick);
      return w === null ? null : state(pick, w);
    },
  };
}

const intAtLeast = (min: number) => intGold.filter((g) => g.value >= min);
const nonIntegerScalar = fc.oneof(fracGold, radicalGold, piGold);
const irrationalOrRepeating = fc.oneof(
  radicalGold,
  piGold,
  fracGold.filter((g) => g.s.kind === 'frac' && !terminates(g.s.q)),
);

function terminates(q: number): boolean {
  while (q % 2 === 0) q /= 2;
  while (q % 5 === 0) q /= 5;
  return q === 1;
}

const GENERATORS: Generator<Gold>[] = [
  // Scalars. Golds are never 0 or ±1 (ints |n| ≥ 2, fractions with q ≥ 2, irrationals), which is what
  // each "≠" below needs.
  answerGen('denominator: 1/G', scalarGold, (g) => `\\frac{1}{${g.latex}}`), // 1/G = G only for ±1
  answerGen('denominator: k/G', scalarGold, (g, p) => {
    const k = p.int(2, 9);
    // k/G = G exactly when G² = k: 4/2, 9/3, 2/√2, 3/√3… are right answers, so they are skipped
    const square = g.s.kind === 'int' ? g.s.n * g.s.n : g.s.kind === 'radical' ? (g.s.a * g.s.a * g.s.b) / (g.s.c * g.s.c) : null;
    return square === k ? null : `\\frac{${k}}{${g.latex}}`;
  }),
  answerGen('exponent: 2^G', scalarGold, (g) => `2^{${g.latex}}`), // 2^x > x for every real x
  answerGen('exponent: G^2', scalarGold, (g) => `${paren(g.latex)}^{2}`), // G² = G only for 0, 1
  answerGen('exponent: e^G', scalarGold, (g) => `e^{${g.latex}}`), // e^x > x
  answerGen('radicand: sqrt(G)', scalarGold, (g) => `\\sqrt{${g.latex}}`), // √G = G only for 0, 1
  answerGen('radicand: cube root of G', scalarGold, (g) => `\\sqrt[3]{${g.latex}}`), // ∛G = G only for 0, ±1
  answerGen('root index: G-th root of 2', intAtLeast(2), (g) => `\\sqrt[${g.latex}]{2}`), // 2^{1/n} ∈ (1, 1.5) for n ≥ 2
  answerGen('factor: G·pi', scalarGold, (g, p) => (p.bool() ? `${g.latex}\\pi` : `\\pi ${paren(g.latex)}`)), // G ≠ 0
  answerGen('factor: G·sqrt2', scalarGold, (g) => `${paren(g.latex)}\\sqrt{2}`), // G ≠ 0
  answerGen('factor: G·variable', scalarGold, (g, p) => `${paren(g.latex)}${p.of(['y', 'n', 'x^{2}', 'ab'])}`), // a non-constant polynomial
  answerGen('term: G + something', scalarGold, (g, p) => `${g.latex} + ${p.of(['1', '\\sqrt{2}', '\\pi', 'x', '\\frac{1}{2}'])}`), // adds a non-zero term
  answerGen('term: complex part added', scalarGold, (g, p) => p.of([`${g.latex} + i`, `${g.latex} - 2i`, `${paren(g.latex)}i`])), // a non-real number
  answerGen('term: G - 1, 2G, G/2', scalarGold, (g, p) => p.of([`${g.latex} - 1`, `2${paren(g.latex)}`, `\\frac{${g.latex}}{2}`, `10${paren(g.latex)}`])),
  answerGen('percent: G/100', scalarGold, (g, p) => (p.bool() ? `\\frac{${g.latex}}{100}` : `${paren(g.latex)} \\times 10^{-2}`)), // G ≠ 0
  answerGen('scientific: G × 10^k', scalarGold, (g, p) => `${paren(g.latex)} \\times 10^{${p.int(1, 6)}}`),
  answerGen('function of G', scalarGold, (g, p) => p.of([`\\sin${paren(g.latex)}`, `\\ln${paren(g.latex)}`, `\\log_{2}${paren(g.latex)}`, `\\cos${paren(g.latex)}`])), // sin x = x only at 0; ln x, log₂ x < x; cos x = x only at 0.739…
  answerGen(
    'factorial / binomial of G',
    intAtLeast(4).filter((g) => g.value <= 40),
    (g, p) => (p.bool() ? `${g.latex}!` : `\\binom{${g.latex}}{2}`),
  ), // n! > n and C(n,2) > n for n ≥ 4
  answerGen('negation: -G', scalarGold, (g, p) => (g.latex.startsWith('-') && p.bool() ? g.latex.slice(1) : `-${paren(g.latex)}`)), // G ≠ 0
  answerGen('subscript: x_G', scalarGold, (g, p) => `${p.of(['x', 'a', 'n', 'P'])}_{${g.latex}}`), // a variable, not a number
  answerGen('digit extension', fc.oneof(intGold, fracGold, radicalGold, piGold), (g, p) => digitExtension(g, p)),
  answerGen('unit on a wrong value', scalarGold, (g, p) =>
    p.of([`${paren(g.latex)}^{2}\\text{ cm}^2`, `2${paren(g.latex)}\\text{ cm}`, `${g.latex} + 1\\text{ m}`, `\\frac{${g.latex}}{10}\\text{ km}`]),
  ), // units are dropped; the values are G², 2G, G+1, G/10
  answerGen('list: G with another value', scalarGold, (g, p) => {
    const h = otherInt(p, g);
    return p.of([`${g.latex}, ${h}`, `${h}, ${g.latex}`, `(${g.latex}, ${h})`, `[${g.latex}, ${h}]`, `${g.latex}, ${g.latex}, ${h}`]);
  }), // two different values are not one
  answerGen('matrix or vector holding G', scalarGold, (g, p) => {
    const h = otherInt(p, g);
    return p.of([`\\begin{pmatrix} ${g.latex} & ${h} \\end{pmatrix}`, `\\begin{pmatrix} ${g.latex} \\\\ ${h} \\end{pmatrix}`, `\\begin{bmatrix} ${h} & ${g.latex} \\end{bmatrix}`]);
  }),
  answerGen('set: {G, h}', scalarGold, (g, p) => `\\{${g.latex}, ${otherInt(p, g)}\\}`),
  answerGen('hedge: G or h', scalarGold, (g, p) => {
    const h = otherInt(p, g);
    return p.of([`${g.latex} \\text{ or } ${h}`, `${h} \\text{ or } ${g.latex}`, `${g.latex} or ${h}`, `${g.latex} \\text{ and } ${h}`]);
  }),
  answerGen('hedge: ±G', scalarGold, (g) => `\\pm ${g.latex.startsWith('-') ? g.latex.slice(1) : g.latex}`), // {G, −G}, two values
  answerGen('false equation: G = h', scalarGold, (g, p) => `${g.latex} = ${otherInt(p, g)}`), // the stated value h ≠ G (and the equation is false)
  answerGen('label = an expression containing G', scalarGold, (g, p) =>
    p.of([`y = ${paren(g.latex)}x`, `x = \\frac{1}{${g.latex}}`, `n = ${g.latex} + 1`, `f(x) = ${paren(g.latex)}x^{2}`, `a = 2${paren(g.latex)}`]),
  ), // the labelled value is Gx, 1/G, G+1, Gx², 2G
  answerGen('text saying G is not it', scalarGold, (g, p) =>
    p.of([
      `\\text{not } ${g.latex}`,
      `${g.latex}\\text{ is not the answer}`,
      `${g.latex} \\text{ (wrong)}`,
      `\\text{anything but } ${g.latex}`,
      `\\text{not }${g.latex}\\text{, but } ${otherInt(p, g)}`,
    ]),
  ),
  answerGen('cancelled: G/G, G - G', scalarGold, (g, p) => p.of([`\\frac{${g.latex}}{${g.latex}}`, `${g.latex} - ${paren(g.latex)}`, `${paren(g.latex)}^{0}`])), // 1, 0, 1: never a gold
  answerGen('base subscript: G_b', intAtLeast(10), (g, p) => `${g.latex}_{${p.int(2, 9)}}`), // a multi-digit numeral in base b < 10 is smaller (or not a numeral)
  answerGen('floor, ceiling, absolute value', scalarGold, (g, p) => {
    // ⌊G⌋, ⌈G⌉ ≠ G for a non-integer G; |G| ≠ G for a negative G
    const forms: string[] = [];
    if (g.s.kind !== 'int') forms.push(`\\lfloor ${g.latex} \\rfloor`, `\\lceil ${g.latex} \\rceil`);
    if (g.value < 0) forms.push(`\\left|${g.latex}\\right|`, `|${g.latex}|`);
    return forms.length === 0 ? null : p.of(forms);
  }),
  answerGen('inequality around G', scalarGold, (g, p) => `x ${p.of(['<', '>', '\\le', '\\ge', '\\neq'])} ${g.latex}`), // a set of values, not the value
  answerGen('interval containing G', scalarGold, (g, p) => {
    const lo = Math.floor(g.value) - p.int(1, 5);
    const hi = Math.ceil(g.value) + p.int(1, 5);
    return p.of([`[${lo}, ${hi}]`, `(${lo}, ${hi})`, `\\left[${g.latex}, ${hi}\\right)`, `(${lo}, ${g.latex}]`]);
  }),
  answerGen('decimal with too few digits', irrationalOrRepeating, (g, p) => fewDigits(p, g)), // < 6 significant digits (policy), and not equal
  answerGen(
    'decimal truncation of a terminating fraction',
    fracGold.filter((g) => g.s.kind === 'frac' && terminates(g.s.q) && sigDigits(g.value) >= 2),
    (g, p) => fewDigits(p, g),
  ),
  answerGen('decimal that is not a rounding', nonIntegerScalar, (g, p) => offDigits(p, g)), // off by ≥ 2.5 units of its last digit
  // Integer golds are left out: for a "nearest integer" question `\sqrt{26} \approx 5` would be right.
  answerGen('≈ G after a different exact value', nonIntegerScalar, (g, p) => `${nearbyExact(g)} \\approx ${p.bool() ? g.latex : g.value.toPrecision(8)}`),

  // Tuples.
  answerGen('tuple: one more element', tupleGold, (g, p) => `(${[...g.xs, p.int(-9, 9)].join(', ')})`),
  answerGen('tuple: nested in a bigger tuple', tupleGold, (g, p) => (p.bool() ? `(${g.latex}, ${p.int(-9, 9)})` : `(${p.int(-9, 9)}, ${g.latex})`)),
  answerGen('tuple: in a set or list with another tuple', tupleGold, (g, p) => {
    const h = otherTuple(p, g);
    return p.of([`\\{${g.latex}, ${h}\\}`, `${g.latex}, ${h}`, `${h}, ${g.latex}`, `${g.latex} \\text{ or } ${h}`]);
  }),
  answerGen('tuple: a coordinate changed', tupleGold, (g, p) => otherTuple(p, g)),
  answerGen(
    'tuple: reversed',
    tupleGold.filter((g) => g.xs.join() !== [...g.xs].reverse().join()),
    (g) => `(${[...g.xs].reverse().join(', ')})`,
  ),
  answerGen(
    'tuple: coordinates as a set',
    tupleGold.filter((g) => new Set(g.xs).size === g.xs.length),
    (g) => `\\{${g.xs.join(', ')}\\}`,
  ),
  answerGen('tuple: first coordinate only', tupleGold, (g) => String(g.xs[0])),

  // Intervals.
  answerGen('interval: one bracket flipped', intervalGold, (g, p) => {
    const flipLo = g.lo !== null && (g.hi === null || p.bool());
    return flipLo ? intervalLatex(g.lo, g.hi, !g.loClosed, g.hiClosed) : intervalLatex(g.lo, g.hi, g.loClosed, !g.hiClosed);
  }),
  answerGen('interval: union with a disjoint interval', intervalGold, (g, p) => {
    const extra = g.hi !== null ? `[${g.hi + p.int(2, 9)}, ${g.hi + p.int(10, 20)}]` : `[${g.lo! - p.int(10, 20)}, ${g.lo! - p.int(2, 9)}]`;
    return p.bool() ? `${g.latex} \\cup ${extra}` : `${extra} \\cup ${g.latex}`;
  }),
  answerGen('interval: endpoint moved', intervalGold, (g, p) => otherInterval(p, g)),
  answerGen(
    'interval: endpoints as a set',
    intervalGold.filter((g) => g.lo !== null && g.hi !== null),
    (g) => `\\{${g.lo}, ${g.hi}\\}`,
  ),
  answerGen(
    'interval: mirrored',
    intervalGold.filter((g) => !(g.lo !== null && g.hi !== null && g.lo === -g.hi && g.loClosed === g.hiClosed)),
    (g) => intervalLatex(g.hi === null ? null : -g.hi, g.lo === null ? null : -g.lo, g.hiClosed, g.loClosed),
  ), // [a,b) → (−b,−a]: a different set unless the gold is symmetric with equal brackets (skipped)
  answerGen('interval: inequality with a wrong endpoint', intervalGold, (g, p) => wrongInequality(g, p)),

  // Any gold: mentioned, then another answer committed to.
  {
    name: 'earlier box, later box',
    gold: anyGold,
    make: (g, p) => `${reasoning(p)} At first I got $\\boxed{${g.latex}}$. ${reasoning(p)} Checking again, that was a mistake, so the answer is $\\boxed{${otherAnswer(p, g)}}$.`,
  },
  {
    name: 'boxes: G then h (joined into a list)',
    gold: anyGold,
    make: (g, p) => {
      const h = otherAnswer(p, g);
      return `${reasoning(p)} ${p.of([`$\\boxed{${g.latex}}$ or $\\boxed{${h}}$`, `\\boxed{${g.latex}}, \\boxed{${h}}`, `\\boxed{${h}} \\text{ or } \\boxed{${g.latex}}`])}`;
    },
  },
  {
    name: 'first thought G, answer is h',
    gold: anyGold,
    make: (g, p) =>
      p.of([
        `I first thought the answer was $${g.latex}$, but that ignores a case. ${reasoning(p)} The answer is $\\boxed{${otherAnswer(p, g)}}$.`,
        `${reasoning(p)}\nIt is tempting to say $${g.latex}$. However, ${reasoning(p)}\nFinal answer: $${otherAnswer(p, g)}$`,
        `Answer: $${g.latex}$\nWait, let me double-check. ${reasoning(p)}\nAnswer: $${otherAnswer(p, g)}$`,
        `The final answer is $${g.latex}$. No, recomputing: ${reasoning(p)}\nThe final answer is $${otherAnswer(p, g)}$.`,
      ]),
  },
  {
    name: 'G in an earlier tag or in the thinking',
    gold: anyGold,
    make: (g, p) =>
      p.of([
        `<answer>${g.latex}</answer>\nHmm, no. ${reasoning(p)}\n<answer>${otherAnswer(p, g)}</answer>`,
        `<think>${reasoning(p)} so it should be $${g.latex}$. ${reasoning(p)}</think>\n<answer>${otherAnswer(p, g)}</answer>`,
        `<think>\\boxed{${g.latex}}</think><answer>\\boxed{${otherAnswer(p, g)}}</answer>`,
        `${reasoning(p)} Not $${g.latex}$. <answer>$${otherAnswer(p, g)}$</answer>`,
      ]),
  },
  {
    name: 'phrase: the answer is not G but h',
    gold: anyGold,
    make: (g, p) => {
      const h = otherAnswer(p, g);
      return `${reasoning(p)} ${p.of([
        `The answer is not $${g.latex}$ but $${h}$.`,
        `The answer is not $${g.latex}$; it is $${h}$.`,
        `The final answer is not $${g.latex}$, it is $${h}$.`,
        `Answer: not $${g.latex}$ but $${h}$`,
        `The answer is $${g.latex}$? No, it is $${h}$.`,
      ])}`;
    },
  },
  {
    name: 'phrase: words after the math change the value',
    gold: scalarGold,
    make: (g, p) =>
      `${reasoning(p)} ${p.of(['The answer is', 'The final answer is', 'Answer:'])} $${g.latex}$ ${p.of(['squared', 'plus one', 'times $\\pi$', 'divided by $2$', 'minus $1$', 'cubed'])}.`,
  },
  {
    name: 'phrase: a hedge in separate math segments',
    gold: anyGold,
    make: (g, p) => {
      const h = otherAnswer(p, g);
      const [a, b] = p.bool() ? [g.latex, h] : [h, g.latex];
      return `${reasoning(p)} ${p.of(['The answer is', 'The final answer is', 'Answer:'])} $${a}$ ${p.of(['or', 'and', 'or maybe', ', or possibly'])} $${b}$.`;
    },
  },
  {
    name: 'phrase: G stated early, h stated last',
    gold: anyGold,
    make: (g, p) => {
      const h = otherAnswer(p, g);
      return p.of([
        `The final answer is $${g.latex}$.\n${reasoning(p)} Hmm, I made an error above.\nAnswer: $${h}$`,
        `Answer: $${g.latex}$\n${reasoning(p)} Actually I made an error: the answer is $${h}$.`,
        `The answer is $${g.latex}$.\n${reasoning(p)} Correcting the sign error: $\\boxed{${h}}$.`,
        `$\\boxed{${g.latex}}$\n${reasoning(p)} That was wrong.\n<answer>${h}</answer>`,
      ]);
    },
  },
  {
    name: 'G only in the reasoning, answer is h',
    gold: anyGold,
    make: (g, p) => `${reasoning(p)} We found $${g.latex}$ for the first part. ${reasoning(p)} Hence the requested value is $\\boxed{${otherAnswer(p, g)}}$.`,
  },
] as Generator<Gold>[];

/** A digit appended or prepended to one of the gold's written numbers (never the same value: see each case). */
function digitExtension(g: ScalarGold, p: Pick): string {
  const s = g.s;
  const sg = (x: number) => (x < 0 ? '-' : '');
  switch (s.kind) {
    case 'int': {
      const abs = Math.abs(s.n);
      // n·10+d or d·10^k+n: never n for n ≠ 0
      return p.bool() ? `${sg(s.n)}${abs}${p.int(0, 9)}` : `${sg(s.n)}${p.int(1, 9)}${abs}`;
    }
    case 'frac': {
      const [p0, q] = [Math.abs(s.p), s.q];
      return p.of([`${sg(s.p)}\\frac{${p0}${p.int(0, 9)}}{${q}}`, `${sg(s.p)}\\frac{${p0}}{${q}${p.int(0, 9)}}`, `${sg(s.p)}\\frac{${p.int(1, 9)}${p0}}{${q}}`]);
    }
    case 'radical': {
      // the radicand b·10+d ≠ b, or the coefficient a·10+d ≠ a (both change |value|)
      const body = (a: string, b: string) => `${a === '1' ? '' : a}\\sqrt{${b}}`;
      const inner = p.bool() ? body(String(s.a), `${s.b}${p.int(0, 9)}`) : body(`${s.a}${p.int(0, 9)}`, String(s.b));
      return `${s.sign < 0 ? '-' : ''}${s.c === 1 ? inner : `\\frac{${inner}}{${s.c}}`}`;
    }
    case 'pi': {
      const inner = `${s.k}${p.int(0, 9)}\\pi`; // k·10+d ≠ k
      return `${s.sign < 0 ? '-' : ''}${s.m === 1 ? inner : `\\frac{${inner}}{${s.m}}`}`;
    }
  }
}

/** An exact value close to the gold but different from it (the "≈" generator states it first). */
function nearbyExact(g: ScalarGold): string {
  const s = g.s;
  switch (s.kind) {
    case 'int':
      return `${s.n < 0 ? '-' : ''}\\sqrt{${s.n * s.n + 1}}`; // n² + 1 is never a square for |n| ≥ 1
    case 'frac':
      return `${s.p < 0 ? '-' : ''}\\frac{${1000 * Math.abs(s.p) + 1}}{${1000 * s.q}}`; // (1000p+1)/(1000q) ≠ p/q
    case 'radical':
      return `${s.sign < 0 ? '-' : ''}\\frac{\\sqrt{${s.a * s.a * s.b + 1}}}{${s.c}}`; // a²b+1 ≠ a²b
    case 'pi':
      return `${s.sign < 0 ? '-' : ''}\\frac{${355 * s.k}}{${113 * s.m}}`; // 355/113 is rational, π is not
  }
}

/** An inequality for an interval gold with one endpoint's inclusion flipped (a different set). */
function wrongInequality(g: IntervalGold, p: Pick): string {
  const lt = (closed: boolean) => (closed ? '\\le' : '<');
  let { loClosed, hiClosed } = g;
  if (g.lo !== null && (g.hi === null || p.bool())) loClosed = !loClosed;
  else hiClosed = !hiClosed;
  if (g.lo === null) return `x ${lt(hiClosed)} ${g.hi}`;
  if (g.hi === null) return `x ${loClosed ? '\\ge' : '>'} ${g.lo}`;
  return `${g.lo} ${lt(loClosed)} x ${lt(hiClosed)} ${g.hi}`;
}

// ---------------------------------------------------------------- right answers (positive control)

/** Right answers for the gold, in several spellings, stated in any form. */
function rightAnswer(g: Gold, pick: Pick): string {
  const forms = [g.latex];
  if (g.kind === 'scalar') {
    forms.push(`x = ${g.latex}`);
    if (g.s.kind === 'int') forms.push(`${g.latex}\\text{ cm}`, `${g.latex}.0`);
    if (g.s.kind === 'frac') forms.push(`${g.s.p < 0 ? '-' : ''}\\dfrac{${Math.abs(g.s.p)}}{${g.s.q}}`, `${g.s.p}/${g.s.q}`, `\\frac{${2 * g.s.p}}{${2 * g.s.q}}`);
  }
  if (g.kind === 'tuple') forms.push(g.latex.replace(/ /g, ''));
  const w = pick.of(forms);
  return pick.of([
    state(pick, w),
    `${reasoning(pick)} At first I got $\\boxed{${otherAnswer(pick, g)}}$. ${reasoning(pick)} Checking again, that was a mistake, so the answer is $\\boxed{${w}}$.`,
    `<answer>${otherAnswer(pick, g)}</answer>\nHmm, no. ${reasoning(pick)}\n<answer>${w}</answer>`,
  ]);
}

// ---------------------------------------------------------------- the properties

const RUNS_PER_GENERATOR = 250;
const tally = new FarmTally();

describe('MATH farming: wrong answers that contain the gold never score', () => {
  it.each(GENERATORS.map((g, i) => [g.name, g, i] as const))('%s', (_name, generator, i) => {
    const cases = fc.sample(fc.tuple(generator.gold, fc.gen()), { numRuns: RUNS_PER_GENERATOR, seed: 1000 + i });
    for (const [gold, g] of cases) {
      const response = generator.make(gold, new Pick(g));
      if (response === null) continue;
      tally.count(generator.name);
      for (const { policy, verifier } of POLICIES) {
        const r = verifier.verify(response, gold.latex);
        if (r.reward !== 0 || r.correct) tally.fail({ generator: generator.name, policy, gold: gold.latex, response, got: `${r.reward} (${r.reason}, extracted ${JSON.stringify(r.extracted)})` });
      }
    }
    expect(tally.counts.get(generator.name) ?? 0).toBeGreaterThanOrEqual(RUNS_PER_GENERATOR * 0.8);
    expect(tally.report(generator.name)).toBe('');
  });

  it('generated at least 10,000 wrong answers, each checked under both extraction policies', () => {
    expect(tally.total).toBeGreaterThanOrEqual(10_000);
  });
});

describe('MATH farming: positive control', () => {
  it('the right answers of the same golds, stated the same ways, all score 1 (2,000)', () => {
    const failures: string[] = [];
    const cases = fc.sample(fc.tuple(anyGold, fc.gen()), { numRuns: 2000, seed: 77 });
    for (const [gold, g] of cases) {
      const response = rightAnswer(gold, new Pick(g));
      for (const { policy, verifier } of POLICIES) {
        const r = verifier.verify(response, gold.latex);
        if (r.reward !== 1) failures.push(`[${policy}] gold ${JSON.stringify(gold.latex)} response ${JSON.stringify(response)} → ${r.reason}`);
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);
  });
});
