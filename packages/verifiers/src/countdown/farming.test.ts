import fc from 'fast-check';
import { countdown, generateCountdownProblems, solveCountdown, type CountdownOptions, type CountdownProblem } from './index.js';
import { FarmTally, Pick, reasoning } from '../testing/farming.js';

/**
 * Farming fuzzer: ≥ 10,000 generated Countdown answers that contain the target (alone, with an
 * identity, spliced into the right expression, as a replaced number, after `=` of a wrong
 * expression, in an earlier tag or only in the thinking…) must never get the correct reward (format
 * credit is allowed), under four option sets.
 *
 * The verdict of each generated answer comes from an oracle of this test, not from the verifier: the
 * generators build expression trees, and the oracle evaluates them in exact rational arithmetic and
 * counts the numbers used. An answer is right when its value is the target, it uses the given numbers
 * exactly once (at most once with `allowUnusedNumbers`), and it has no `= target` suffix when
 * `allowTargetSuffix` is off. Generated answers that the oracle finds right (a replaced number that
 * happens to work, a subset that reaches the target under `allowUnusedNumbers`) are checked the other
 * way: they must get the correct reward, which is the test's positive control.
 */

type Q = [bigint, bigint]; // numerator, denominator > 0
type Tree = { n: bigint } | { op: '+' | '-' | '*' | '/'; l: Tree; r: Tree };

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b) [a, b] = [b, a % b];
  return a;
}
function q(n: bigint, d: bigint): Q {
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1n;
  return [n / g, d / g];
}

/** Exact value of a tree, or null on a division by zero. */
function value(t: Tree): Q | null {
  if ('n' in t) return [t.n, 1n];
  const a = value(t.l);
  const b = value(t.r);
  if (!a || !b) return null;
  switch (t.op) {
    case '+':
      return q(a[0] * b[1] + b[0] * a[1], a[1] * b[1]);
    case '-':
      return q(a[0] * b[1] - b[0] * a[1], a[1] * b[1]);
    case '*':
      return q(a[0] * b[0], a[1] * b[1]);
    case '/':
      return b[0] === 0n ? null : q(a[0] * b[1], a[1] * b[0]);
  }
}

function literals(t: Tree, out: bigint[] = []): bigint[] {
  if ('n' in t) out.push(t.n);
  else {
    literals(t.l, out);
    literals(t.r, out);
  }
  return out;
}

/** Infix text, with parentheses around every compound operand (always the tree's own reading). */
function render(t: Tree, pick?: Pick): string {
  if ('n' in t) return String(t.n);
  const side = (s: Tree) => ('n' in s ? render(s, pick) : `(${render(s, pick)})`);
  const op = t.op === '*' && pick ? pick.of(['*', '*', '×', '\\times']) : t.op === '/' && pick ? pick.of(['/', '/', '÷']) : t.op;
  return `${side(t.l)} ${op} ${side(t.r)}`;
}

/** The solver's expressions (integers, + − * /, parentheses) as trees: the oracle's own parser. */
function parse(text: string): Tree {
  const tokens = text.match(/\d+|[()+\-*/]/g)!;
  let i = 0;
  const primary = (): Tree => {
    const t = tokens[i++]!;
    if (t === '(') {
      const e = sum();
      i++; // ')'
      return e;
    }
    return { n: BigInt(t) };
  };
  const product = (): Tree => {
    let l = primary();
    while (tokens[i] === '*' || tokens[i] === '/') {
      const op = tokens[i++] as '*' | '/';
      l = { op, l, r: primary() };
    }
    return l;
  };
  const sum = (): Tree => {
    let l = product();
    while (tokens[i] === '+' || tokens[i] === '-') {
      const op = tokens[i++] as '+' | '-';
      l = { op, l, r: product() };
    }
    return l;
  };
  return sum();
}

const num = (n: number | bigint): Tree => ({ n: BigInt(n) });

/** What the last answer tag of a generated response holds. */
type Final = { kind: 'tree'; tree: Tree; suffix: boolean } | { kind: 'not-an-expression' };

interface Options {
  name: string;
  options: CountdownOptions;
  unused: boolean;
  suffix: boolean;
}
const CONFIGS: Options[] = [
  { name: 'default', options: {}, unused: false, suffix: true },
  { name: 'binary', options: { binary: true }, unused: false, suffix: true },
  { name: 'allowUnusedNumbers', options: { allowUnusedNumbers: true }, unused: true, suffix: true },
  { name: 'allowTargetSuffix off', options: { allowTargetSuffix: false }, unused: false, suffix: false },
];
const VERIFIERS = CONFIGS.map((c) => ({ ...c, verifier: countdown(c.options) }));

/** The oracle: is `final` a right answer to `problem` under `config`? */
function isRight(final: Final, problem: CountdownProblem, config: Options): boolean {
  if (final.kind !== 'tree') return false;
  if (final.suffix && !config.suffix) return false;
  const v = value(final.tree);
  if (!v || v[1] !== 1n || v[0] !== BigInt(problem.target)) return false;
  const left = new Map<bigint, number>();
  for (const x of problem.nums) left.set(BigInt(x), (left.get(BigInt(x)) ?? 0) + 1);
  for (const x of literals(final.tree)) {
    const k = left.get(x) ?? 0;
    if (k === 0) return false;
    left.set(x, k - 1);
  }
  return config.unused || [...left.values()].every((k) => k === 0);
}

interface Generated {
  response: string;
  final: Final;
}
type Generator = { name: string; make: (problem: CountdownProblem, tree: Tree, pick: Pick) => Generated | null };

const answer = (pick: Pick, inner: string, think = reasoning(pick)): string => `<think>${think}</think>\n<answer>${inner}</answer>`;
const treeCase = (pick: Pick, tree: Tree, suffix = false, target?: number): Generated => ({
  response: answer(pick, `${render(tree, pick)}${suffix ? ` = ${target}` : ''}`),
  final: { kind: 'tree', tree, suffix },
});

/** A random tree over `leaves` (in a random order), random operators. */
function randomTree(pick: Pick, leaves: Tree[]): Tree {
  const xs = [...leaves];
  for (let i = xs.length - 1; i > 0; i--) {
    const j = pick.int(0, i);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  while (xs.length > 1) {
    const i = pick.int(0, xs.length - 2);
    const op = pick.of(['+', '-', '*', '/'] as const);
    xs.splice(i, 2, { op, l: xs[i]!, r: xs[i + 1]! });
  }
  return xs[0]!;
}

/** The tree with its k-th leaf replaced. */
function replaceLeaf(t: Tree, k: number, by: Tree): Tree {
  let seen = 0;
  const walk = (s: Tree): Tree => {
    if ('n' in s) return seen++ === k ? by : s;
    const l = walk(s.l);
    return { op: s.op, l, r: walk(s.r) };
  };
  return walk(t);
}

const GENERATORS: Generator[] = [
  {
    name: 'the target alone',
    make: (p, _s, pick) => {
      const T = num(p.target);
      return pick.bool() ? treeCase(pick, T) : { response: answer(pick, `(${p.target})`), final: { kind: 'tree', tree: T, suffix: false } };
    },
  },
  {
    name: 'the target with an identity (T*1, T+0, T/1, T-0)',
    make: (p, _s, pick) => {
      const T = num(p.target);
      const tree = pick.of<Tree>([
        { op: '*', l: T, r: num(1) },
        { op: '*', l: num(1), r: T },
        { op: '+', l: T, r: num(0) },
        { op: '/', l: T, r: num(1) },
        { op: '-', l: T, r: num(0) },
      ]);
      return treeCase(pick, tree);
    },
  },
  {
    name: 'the target with a cancelling pair of a given number',
    make: (p, _s, pick) => {
      const a = num(pick.of(p.nums));
      const T = num(p.target);
      const tree = pick.of<Tree>([
        { op: '-', l: { op: '+', l: T, r: a }, r: a },
        { op: '/', l: { op: '*', l: T, r: a }, r: a },
        { op: '+', l: { op: '-', l: a, r: a }, r: T },
      ]);
      return treeCase(pick, tree);
    },
  },
  {
    name: 'the right expression with the target spliced in',
    make: (p, s, pick) => {
      const T = num(p.target);
      const tree = pick.of<Tree>([
        { op: '-', l: { op: '+', l: s, r: T }, r: T },
        { op: '/', l: { op: '*', l: s, r: T }, r: T },
        { op: '-', l: { op: '+', l: T, r: s }, r: T },
        { op: '*', l: s, r: { op: '/', l: T, r: T } },
      ]);
      return treeCase(pick, tree);
    },
  },
  {
    name: 'a number of the right expression replaced by the target',
    make: (p, s, pick) => treeCase(pick, replaceLeaf(s, pick.int(0, literals(s).length - 1), num(p.target))),
  },
  {
    name: 'the right expression combined with the target',
    make: (p, s, pick) => {
      const T = num(p.target);
      const op = pick.of(['+', '-', '*', '/'] as const);
      return treeCase(pick, pick.bool() ? { op, l: s, r: T } : { op, l: T, r: s });
    },
  },
  {
    name: 'a wrong expression of the numbers, then "= target"',
    make: (p, _s, pick) => treeCase(pick, randomTree(pick, p.nums.map(num)), true, p.target),
  },
  {
    name: 'a random expression of the numbers and the target',
    make: (p, _s, pick) => treeCase(pick, randomTree(pick, [...p.nums.map(num), num(p.target)]), pick.bool(), p.target),
  },
  {
    name: 'a subset of the numbers reaching the target',
    make: (p, _s, pick) => {
      // drop one number; the solver finds an expression of the rest when there is one
      const drop = pick.int(0, p.nums.length - 1);
      const rest = p.nums.filter((_, i) => i !== drop);
      const found = solveCountdown(rest, p.target);
      return found === null ? treeCase(pick, randomTree(pick, rest.map(num))) : treeCase(pick, parse(found));
    },
  },
  {
    name: 'the right expression in an earlier tag, a wrong one last',
    make: (p, s, pick) => {
      const wrong = pick.bool() ? num(p.target) : randomTree(pick, p.nums.map(num));
      const response = `<think>${reasoning(pick)}</think>\n<answer>${render(s, pick)}</answer>\nWait, let me redo that.\n<answer>${render(wrong, pick)}</answer>`;
      return { response, final: { kind: 'tree', tree: wrong, suffix: false } };
    },
  },
  {
    name: 'the target in an earlier tag, a wrong expression last',
    make: (p, _s, pick) => {
      const wrong = randomTree(pick, p.nums.map(num));
      const response = `<answer>${p.target}</answer> is what we need. ${reasoning(pick)}\n<answer>${render(wrong, pick)}</answer>`;
      return { response, final: { kind: 'tree', tree: wrong, suffix: false } };
    },
  },
  {
    name: 'the right expression only in the thinking, the target alone in the tag',
    make: (p, s, pick) => {
      const alone = pick.bool();
      const response = `<think>${reasoning(pick)} ${p.solution} = ${p.target}</think>\n<answer>${alone ? p.target : `= ${p.target}`}</answer>`;
      return { response, final: alone ? { kind: 'tree', tree: num(p.target), suffix: false } : { kind: 'not-an-expression' } };
    },
  },
  {
    name: 'the target in words, LaTeX or a box',
    make: (p, _s, pick) => {
      const inner = pick.of([`The answer is ${p.target}`, `$${p.target}$`, `\\boxed{${p.target}}`, `${p.target} (the target)`, `target = ${p.target}`, `${p.target}!`]);
      return { response: answer(pick, inner), final: { kind: 'not-an-expression' } };
    },
  },
];

const RUNS_PER_GENERATOR = 900;
const problems = generateCountdownProblems({ count: 500, seed: 2024 });
const problemArb = fc.integer({ min: 0, max: problems.length - 1 }).map((i) => problems[i]!);
const tally = new FarmTally();
let rightCases = 0;

describe('Countdown farming: answers that contain the target never get the correct reward', () => {
  it.each(GENERATORS.map((g, i) => [g.name, g, i] as const))('%s', (_name, generator, i) => {
    const rightFailures: string[] = [];
    for (const [problem, g] of fc.sample(fc.tuple(problemArb, fc.gen()), { numRuns: RUNS_PER_GENERATOR, seed: 3000 + i })) {
      const generated = generator.make(problem, parse(problem.solution), new Pick(g));
      if (generated === null) continue;
      const reference = { target: problem.target, nums: problem.nums };
      if (!isRight(generated.final, problem, CONFIGS[0]!)) tally.count(generator.name);
      for (const config of VERIFIERS) {
        const r = config.verifier.verify(generated.response, reference);
        if (isRight(generated.final, problem, config)) {
          rightCases++;
          if (r.reward !== 1) rightFailures.push(`[${config.name}] ${JSON.stringify(reference)} ${JSON.stringify(generated.response)} → ${r.reason}`);
        } else if (r.correct || r.reward === 1) {
          tally.fail({ generator: generator.name, policy: config.name, gold: JSON.stringify(reference), response: generated.response, got: `${r.reward} (${r.reason})` });
        }
      }
    }
    expect(tally.report(generator.name)).toBe('');
    expect(rightFailures.slice(0, 10)).toEqual([]);
  });

  it('generated at least 10,000 wrong answers (wrong under the default options), each checked under four option sets', () => {
    expect(tally.total).toBeGreaterThanOrEqual(10_000);
  });
});

describe('Countdown farming: positive control', () => {
  it('the solutions, stated with noise, an `= target` suffix or after a wrong earlier tag, get the correct reward', () => {
    const failures: string[] = [];
    for (const [problem, g] of fc.sample(fc.tuple(problemArb, fc.gen()), { numRuns: 1000, seed: 99 })) {
      const pick = new Pick(g);
      const s = render(parse(problem.solution), pick);
      const response = pick.of([
        answer(pick, s),
        answer(pick, `${s} = ${problem.target}`),
        `<answer>${problem.target}</answer>\n${reasoning(pick)}\n<answer>${s}</answer>`,
        `<think>${reasoning(pick)}</think> <answer> ${problem.solution} </answer>`,
      ]);
      const r = countdown().verify(response, { target: problem.target, nums: problem.nums });
      if (r.reward !== 1) failures.push(`${JSON.stringify(problem)} ${JSON.stringify(response)} → ${r.reason}`);
    }
    expect(failures.slice(0, 10)).toEqual([]);
    // and the oracle found right answers among the generated ones, which were checked the other way
    expect(rightCases).toBeGreaterThan(0);
  });
});
