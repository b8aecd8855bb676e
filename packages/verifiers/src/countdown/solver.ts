/**
 * Countdown solver and seeded problem generator. The search combines two values at a time with
 * + − × ÷ (both orders for − and ÷) until one value is left, which enumerates every binary expression
 * tree over the numbers; arithmetic is exact (rational.ts), so a found solution is exactly right.
 * For 4 numbers that is 3,888 complete expressions: a problem costs well under a millisecond.
 */

import { SeededRandom } from '@rlvr/core';
import { VerifierError } from '../errors.js';
import { ADD, DIV, MUL, SUB } from './expression.js';
import { add, div, equalsInteger, integer, mul, sub, type Rational } from './rational.js';

/** A generated problem with one known solution. */
export interface CountdownProblem {
  /** The value to reach. */
  target: number;
  /** The numbers to use, in random order. */
  nums: number[];
  /** One expression that reaches `target` (every number exactly once, or at most once if allowed). */
  solution: string;
}

/** Options of {@link solveCountdown}. */
export interface SolveOptions {
  /** Allow solutions that leave numbers unused (default false: every number exactly once). */
  allowUnusedNumbers?: boolean;
}

/** Options of {@link generateCountdownProblems}; ranges are inclusive. */
export interface CountdownGeneratorOptions {
  /** How many problems. */
  count: number;
  /** Seed of the generator's @rlvr/core `SeededRandom` (taken modulo 2^32): same options → same problems. */
  seed: number;
  /** Fewest numbers per problem (default 3). */
  minNumbers?: number;
  /** Most numbers per problem (default 4; at most 6). */
  maxNumbers?: number;
  /** Smallest number drawn (default 1, as in Countdown-Tasks-3to4). */
  minNumber?: number;
  /** Largest number drawn (default 99, as in Countdown-Tasks-3to4). */
  maxNumber?: number;
  /** Smallest target (default 1). */
  minTarget?: number;
  /** Largest target (default 100, the range of Countdown-Tasks-3to4 targets). */
  maxTarget?: number;
  /** Generate problems whose solution may leave numbers unused (default false). */
  allowUnusedNumbers?: boolean;
}

/** The most numbers the exhaustive search accepts (6 numbers ≈ 2·10⁷ expressions, about a second). */
export const MAX_SOLVER_NUMBERS = 6;

interface Node {
  readonly q: Rational;
  /** 0 for a leaf, else ADD, SUB, MUL or DIV. */
  readonly op: number;
  readonly left: Node | null;
  readonly right: Node | null;
  /** The number of a leaf. */
  readonly leaf: number;
}

function leaf(value: number): Node {
  return { q: integer(value), op: 0, left: null, right: null, leaf: value };
}

function combine(op: number, left: Node, right: Node, q: Rational): Node {
  return { q, op, left, right, leaf: 0 };
}

/**
 * Visit every expression over `items` (all of them combined into one when `partial` is false; every
 * intermediate value too when it is true). `visit` returns true to stop the search.
 */
function search(items: Node[], partial: boolean, visit: (node: Node) => boolean): boolean {
  const n = items.length;
  if (n === 1) return partial ? false : visit(items[0]!);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = items[i]!;
      const b = items[j]!;
      const rest: Node[] = [];
      for (let k = 0; k < n; k++) if (k !== i && k !== j) rest.push(items[k]!);
      rest.push(a); // slot of the combined value, overwritten by each candidate
      const slot = rest.length - 1;
      const tryNode = (node: Node): boolean => {
        if (partial && visit(node)) return true;
        rest[slot] = node;
        return search(rest, partial, visit); // deeper levels copy, never mutate, their input
      };
      if (tryNode(combine(ADD, a, b, add(a.q, b.q)))) return true;
      if (tryNode(combine(MUL, a, b, mul(a.q, b.q)))) return true;
      if (tryNode(combine(SUB, a, b, sub(a.q, b.q)))) return true;
      if (tryNode(combine(SUB, b, a, sub(b.q, a.q)))) return true;
      const ab = div(a.q, b.q);
      if (ab !== null && tryNode(combine(DIV, a, b, ab))) return true;
      const ba = div(b.q, a.q);
      if (ba !== null && tryNode(combine(DIV, b, a, ba))) return true;
    }
  }
  return false;
}

const SYMBOL: Record<number, string> = { [ADD]: '+', [SUB]: '-', [MUL]: '*', [DIV]: '/' };

function precedence(op: number): number {
  return op === ADD || op === SUB ? 1 : 2;
}

/** The expression of a node with only the parentheses it needs (left-associative operators). */
function render(node: Node): string {
  if (node.op === 0) return String(node.leaf);
  const p = precedence(node.op);
  const left = node.left!;
  const right = node.right!;
  let l = render(left);
  let r = render(right);
  if (left.op !== 0 && precedence(left.op) < p) l = `(${l})`;
  if (
    right.op !== 0 &&
    (precedence(right.op) < p || (precedence(right.op) === p && (node.op === SUB || node.op === DIV)))
  ) {
    r = `(${r})`;
  }
  return `${l} ${SYMBOL[node.op]} ${r}`;
}

/**
 * The same search as {@link search} on plain doubles holding safe integers, with nodes in a small
 * stack-allocated pool instead of objects: about 10× faster, which is what the generator needs.
 * Returns 'overflow' when some intermediate value left the safe-integer range (those branches were
 * skipped, so the caller falls back to the exact bigint-capable search).
 */
function fastSearch(
  nums: readonly number[],
  partial: boolean,
  visit: (n: number, d: number, node: number, pool: Pool) => boolean,
): boolean | 'overflow' {
  const count = nums.length;
  const size = 2 * count;
  // Plain arrays, not typed arrays: under test runners that share typed-array constructors across
  // realms, typed-array access was measured 30× slower; plain small-integer/double arrays are as fast.
  const zeros = (): number[] => new Array<number>(size).fill(0);
  const pool: Pool = { n: zeros(), d: zeros(), op: zeros(), left: zeros(), right: zeros() };
  const { n: qn, d: qd, op: qop, left: ql, right: qr } = pool;
  const levels: number[][] = [];
  for (let c = 0; c <= count; c++) levels.push(new Array<number>(c).fill(0));
  for (let k = 0; k < count; k++) {
    qn[k] = nums[k]!;
    qd[k] = 1;
    levels[count]![k] = k;
  }
  let overflow = false;
  const gcd = (x: number, y: number): number => {
    x = x < 0 ? -x : x;
    while (y !== 0) {
      const t = x % y;
      x = y;
      y = t;
    }
    return x;
  };
  const rec = (items: number[], c: number, top: number): boolean => {
    if (c === 1) return partial ? false : visit(qn[items[0]!]!, qd[items[0]!]!, items[0]!, pool);
    const rest = levels[c - 1]!;
    for (let i = 0; i < c; i++) {
      for (let j = i + 1; j < c; j++) {
        let r = 0;
        for (let k = 0; k < c; k++) if (k !== i && k !== j) rest[r++] = items[k]!;
        rest[r] = top;
        const a = items[i]!;
        const b = items[j]!;
        const an = qn[a]!;
        const ad = qd[a]!;
        const bn = qn[b]!;
        const bd = qd[b]!;
        for (let o = 0; o < 6; o++) {
          let num: number;
          let den: number;
          let code: number;
          let left = a;
          let right = b;
          switch (o) {
            case 0:
              num = an * bd + bn * ad;
              den = ad * bd;
              code = ADD;
              break;
            case 1:
              num = an * bn;
              den = ad * bd;
              code = MUL;
              break;
            case 2:
              num = an * bd - bn * ad;
              den = ad * bd;
              code = SUB;
              break;
            case 3:
              num = bn * ad - an * bd;
              den = ad * bd;
              code = SUB;
              left = b;
              right = a;
              break;
            case 4:
              if (bn === 0) continue;
              num = an * bd;
              den = ad * bn;
              code = DIV;
              break;
            default:
              if (an === 0) continue;
              num = bn * ad;
              den = bd * an;
              code = DIV;
              left = b;
              right = a;
          }
          // Products of safe integers are exact iff within ±MAX (see rational.ts); the cross terms
          // of a sum are bounded by the checked |num| + |den|-style products below.
          if (!(
            within(an * bd) &&
            within(bn * ad) &&
            within(an * bn) &&
            within(ad * bd) &&
            within(num) &&
            within(den)
          )) {
            overflow = true;
            continue;
          }
          if (den < 0) {
            num = -num;
            den = -den;
          }
          if (den !== 1) {
            const g = gcd(num, den);
            if (g !== 1) {
              num /= g;
              den /= g;
            }
          }
          if (num === 0) num = 0; // no -0
          qn[top] = num;
          qd[top] = den;
          qop[top] = code;
          ql[top] = left;
          qr[top] = right;
          if (partial && visit(num, den, top, pool)) return true;
          if (rec(rest, c - 1, top + 1)) return true;
        }
      }
    }
    return false;
  };
  const found = rec(levels[count]!, count, count);
  return found ? true : overflow ? 'overflow' : false;
}

/** Largest safe integer, as a module constant: global lookups (`Math.abs`, `Number.…`) are slow inside vm sandboxes such as jest's. */
const MAX_SAFE = 9007199254740991;

function within(x: number): boolean {
  return x <= MAX_SAFE && x >= -MAX_SAFE;
}

interface Pool {
  n: number[];
  d: number[];
  op: number[];
  left: number[];
  right: number[];
}

/** Render a pool node like {@link render}. */
function renderPool(pool: Pool, node: number): string {
  const op = pool.op[node]!;
  if (op === 0) return String(pool.n[node]);
  const p = precedence(op);
  const left = pool.left[node]!;
  const right = pool.right[node]!;
  let l = renderPool(pool, left);
  let r = renderPool(pool, right);
  const lop = pool.op[left]!;
  const rop = pool.op[right]!;
  if (lop !== 0 && precedence(lop) < p) l = `(${l})`;
  if (rop !== 0 && (precedence(rop) < p || (precedence(rop) === p && (op === SUB || op === DIV)))) r = `(${r})`;
  return `${l} ${SYMBOL[op]} ${r}`;
}

function checkNums(nums: readonly number[], argument: string): void {
  if (!Array.isArray(nums) || nums.length === 0 || nums.length > MAX_SOLVER_NUMBERS) {
    throw new VerifierError(
      argument,
      `expected 1 to ${MAX_SOLVER_NUMBERS} numbers, got ${Array.isArray(nums) ? nums.length : typeof nums}`,
    );
  }
  nums.forEach((x, k) => {
    if (!Number.isSafeInteger(x) || x < 0) {
      throw new VerifierError(`${argument}[${k}]`, `expected a non-negative safe integer, got ${String(x)}`);
    }
  });
}

/**
 * An expression over `nums` equal to `target` in exact arithmetic, using every number exactly once
 * (at most once with `allowUnusedNumbers`), or null when none exists. Intermediate values may be
 * negative or fractional (the verifier accepts them too). Exhaustive: at most 6 numbers.
 */
export function solveCountdown(nums: readonly number[], target: number, options: SolveOptions = {}): string | null {
  checkNums(nums, 'nums');
  if (!Number.isSafeInteger(target)) {
    throw new VerifierError('target', `expected a safe integer, got ${String(target)}`);
  }
  const partial = options.allowUnusedNumbers === true;
  const leaves = nums.map(leaf);
  if (partial) {
    const single = leaves.find((node) => node.leaf === target);
    if (single !== undefined) return render(single);
  }
  let rendered: string | null = null;
  const fast = fastSearch(nums, partial, (n, d, node, pool) => {
    if (d !== 1 || n !== target) return false;
    rendered = renderPool(pool, node);
    return true;
  });
  if (fast !== 'overflow') return rendered;
  let found: Node | null = null;
  search(leaves, partial, (node) => {
    if (!equalsInteger(node.q, target)) return false;
    found = node;
    return true;
  });
  return found === null ? null : render(found);
}

function intOption(
  options: CountdownGeneratorOptions,
  key: keyof CountdownGeneratorOptions,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = options[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new VerifierError(`options.${key}`, `expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

const TWO_32 = 4294967296;

/**
 * Uniform integer in [min, max] (safe integers) from `random`, without bias: rejection sampling over
 * its 32-bit outputs (`next()` is an output divided by 2^32, so multiplying back is exact), and over
 * 53 bits from two outputs when the range is wider than 2^32.
 */
export function uniformInt(random: SeededRandom, min: number, max: number): number {
  const range = max - min + 1;
  if (range <= 1) return min;
  const wide = range > TWO_32;
  const draw = wide
    ? () => ((random.next() * TWO_32) >>> 11) * TWO_32 + random.next() * TWO_32
    : () => random.next() * TWO_32;
  // Accept only draws below the largest multiple of `range` the draw can reach.
  const limit = Math.floor((wide ? 2 ** 53 : TWO_32) / range) * range;
  let x = draw();
  while (x >= limit) x = draw();
  return min + (x % range);
}

/**
 * `count` solvable problems in the Countdown-Tasks-3to4 style, from `seed` alone (@rlvr/core's
 * `SeededRandom`, so a seed's problems are the same on every platform): a number of values
 * uniform in [minNumbers, maxNumbers], each uniform in [minNumber, maxNumber]; the target uniform
 * among the integers in [minTarget, maxTarget] that the numbers can reach, in ascending order (numbers
 * redrawn when none); one solution each. Draws are sequential, so a smaller `count` gives the first
 * problems of a larger one. Thousands of problems per second.
 */
export function generateCountdownProblems(options: CountdownGeneratorOptions): CountdownProblem[] {
  if (typeof options !== 'object' || options === null) throw new VerifierError('options', 'expected {count, seed, …}');
  const count = intOption(options, 'count', NaN, 0, 1e9);
  if (typeof options.seed !== 'number' || !Number.isFinite(options.seed)) {
    throw new VerifierError('options.seed', `expected a finite number, got ${String(options.seed)}`);
  }
  const minNumbers = intOption(options, 'minNumbers', 3, 1, MAX_SOLVER_NUMBERS);
  const maxNumbers = intOption(options, 'maxNumbers', 4, minNumbers, MAX_SOLVER_NUMBERS);
  const minNumber = intOption(options, 'minNumber', 1, 0, Number.MAX_SAFE_INTEGER);
  const maxNumber = intOption(options, 'maxNumber', 99, minNumber, Number.MAX_SAFE_INTEGER);
  const minTarget = intOption(options, 'minTarget', 1, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const maxTarget = intOption(options, 'maxTarget', 100, minTarget, Number.MAX_SAFE_INTEGER);
  const partial = options.allowUnusedNumbers === true;
  const random = new SeededRandom(options.seed);
  const problems: CountdownProblem[] = [];
  // Bounded retries so that impossible ranges (e.g. targets far beyond what the numbers reach) fail
  // loudly instead of looping forever.
  const maxAttempts = 1000;
  let failures = 0;
  while (problems.length < count) {
    const size = uniformInt(random, minNumbers, maxNumbers);
    const nums: number[] = [];
    for (let k = 0; k < size; k++) nums.push(uniformInt(random, minNumber, maxNumber));
    // Pass 1: which targets in range are reachable (no rendering); pass 2: solve the drawn one.
    const reachable = new Set<number>();
    if (partial) for (const x of nums) if (x >= minTarget && x <= maxTarget) reachable.add(x);
    const fast = fastSearch(nums, partial, (n, d) => {
      if (d === 1 && n >= minTarget && n <= maxTarget) reachable.add(n);
      return false;
    });
    if (fast === 'overflow') {
      // Huge numbers: redo exactly (slow but complete).
      search(nums.map(leaf), partial, (node) => {
        const q = node.q;
        if (typeof q.n === 'number' && q.d === 1 && q.n >= minTarget && q.n <= maxTarget) reachable.add(q.n);
        return false;
      });
    }
    if (reachable.size === 0) {
      failures++;
      if (failures >= maxAttempts) {
        throw new VerifierError(
          'options',
          `no solvable problem found in ${maxAttempts} draws; widen minTarget..maxTarget or the number range`,
        );
      }
      continue;
    }
    failures = 0;
    const targets = [...reachable].sort((x, y) => x - y);
    const target = targets[uniformInt(random, 0, targets.length - 1)]!;
    const solution = solveCountdown(nums, target, { allowUnusedNumbers: partial })!;
    problems.push({ target, nums, solution });
  }
  return problems;
}
