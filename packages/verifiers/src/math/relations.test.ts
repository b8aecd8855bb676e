import fc from 'fast-check';
import { NotExact, normalForm, polyEquals } from './algebra.js';
import { evaluate, parseScalar } from './expr.js';
import type { Node } from './expr.js';
import { normalizeAnswer } from './normalize.js';
import { TooComplexError } from './rational.js';
import { MAX_RELATION_LENGTH, intervalSet, relationSet, sameRealSet } from './relations.js';
import type { RealSet } from './relations.js';
import { parseStructure } from './structure.js';

/** The exact scalar comparison the tests use: equal normal forms, and nothing else. */
function exactSame(x: Node, y: Node): boolean {
  try {
    return polyEquals(normalForm(x), normalForm(y));
  } catch (e) {
    if (e instanceof NotExact || e instanceof TooComplexError) return false;
    throw e;
  }
}

/** A numeric comparison for ends without an exact form (`\ln 2`). */
function numericSame(x: Node, y: Node): boolean {
  const a = evaluate(x, new Map()).re;
  const b = evaluate(y, new Map()).re;
  return Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}

/** A relation or an interval answer (as the verifier would see it after normalisation) as a set. */
function setOf(raw: string): RealSet | null {
  const s = normalizeAnswer(raw);
  const a = parseStructure(s);
  if (a.kind === 'relation' || a.kind === 'list') return relationSet(s);
  return intervalSet(a);
}

function same(g: string, p: string, cmp = exactSame): boolean {
  const a = setOf(g);
  const b = setOf(p);
  if (!a || !b) throw new Error(`no set for ${a ? p : g}`);
  return sameRealSet(a, b, cmp) && sameRealSet(b, a, cmp);
}

/** A readable form of a set, for the table of expected solutions. */
function show(s: RealSet | null): string | null {
  if (!s) return null;
  const end = (b: RealSet['intervals'][number]['lo']): string => (b.inf === 0 ? String(Math.round(b.value * 1e9) / 1e9) : b.inf < 0 ? '-inf' : 'inf');
  return s.intervals
    .map((iv) => {
      const lo = iv.lo.inf === 0 && iv.lo.closed ? '[' : '(';
      const hi = iv.hi.inf === 0 && iv.hi.closed ? ']' : ')';
      return `${lo}${end(iv.lo)},${end(iv.hi)}${hi}`;
    })
    .join('u');
}

describe('relationSet solves one-variable linear relations', () => {
  it.each([
    ['x < 1', '(-inf,1)'],
    ['x \\leq 5', '(-inf,5]'],
    ['5 \\geq x', '(-inf,5]'],
    ['5 > x', '(-inf,5)'],
    ['-x > -1', '(-inf,1)'],
    ['-x \\geq -1', '(-inf,1]'],
    ['-2x \\le 4', '[-2,inf)'],
    ['2x+1 \\le 7', '(-inf,3]'],
    ['3 - x < 2x', '(1,inf)'],
    ['\\frac{x}{2} \\geq 1', '[2,inf)'],
    ['2(x+1) < 6', '(-inf,2)'],
    ['0.5x < 1', '(-inf,2)'],
    ['x < 0.5', '(-inf,0.5)'],
    ['x<=3', '(-inf,3]'],
    ['x>=3', '[3,inf)'],
    ['x \\lt 3', '(-inf,3)'],
    ['x \\gt 3', '(3,inf)'],
    ['x \\leqslant 3', '(-inf,3]'],
    ['x ≥ 3', '[3,inf)'],
    ['\\alpha > 0', '(0,inf)'],
    ['x_1 \\geq 2', '[2,inf)'],
    ['x > \\sqrt{2}', '(1.414213562,inf)'],
    ['\\sqrt{2} x < 2', '(-inf,1.414213562)'],
    ['x < \\pi', '(-inf,3.141592654)'],
    ['x \\neq 3', '(-inf,3)u(3,inf)'],
    ['x \\ne 3', '(-inf,3)u(3,inf)'],
    ['-793 < a < 10', '(-793,10)'],
    ['10 > a > -793', '(-793,10)'],
    ['2 \\leq x < 5', '[2,5)'],
    ['5 > x \\geq 2', '[2,5)'],
    ['-1 < 2x+1 \\leq 5', '(-1,2]'],
    ['1 > -x > -3', '(-1,3)'],
    ['-\\infty < x \\leq 3', '(-inf,3]'],
    ['x < 1, x > 2', '(-inf,1)u(2,inf)'],
    ['x \\leq -1, x > 2', '(-inf,-1]u(2,inf)'],
    ['x < 1, x \\geq 1', '(-inf,inf)'],
    ['x < 1; x > 1', '(-inf,1)u(1,inf)'],
    ['x<-2, -1<x<1, x>2', '(-inf,-2)u(-1,1)u(2,inf)'],
    ['x \\leq 1, 1 < x \\leq 2', '(-inf,2]'],
  ])('%s → %s', (text, expected) => {
    expect(show(relationSet(normalizeAnswer(text)))).toBe(expected);
  });

  it('keeps the variable name', () => {
    expect(relationSet('-793 < a < 10')!.variable).toBe('a');
    expect(relationSet('x_1 > 0')!.variable).toBe('x_1');
    expect(relationSet('\\theta \\leq \\pi')!.variable).toBe('theta');
  });

  it('keeps exact forms of the ends', () => {
    const s = relationSet('2x+1 \\leq 8')!;
    const hi = s.intervals[0]!.hi;
    expect(hi.inf === 0 && hi.poly && exactSame(hi.node, parseScalar('\\frac{7}{2}'))).toBe(true);
    const d = relationSet('x < 0.25')!.intervals[0]!.hi;
    expect(d.inf === 0 && d.node.k === 'num' && d.node.decimal).toBe(true); // the decimal literal survives
    const l = relationSet('x < \\ln 2')!.intervals[0]!.hi;
    expect(l.inf === 0 && l.poly === null && Math.abs(l.value - Math.LN2) < 1e-15).toBe(true);
  });

  it.each([
    ['x^2 < 4', 'nonlinear'],
    ['x \\cdot x > 1', 'nonlinear'],
    ['\\frac{1}{x} > 2', 'variable in a denominator'],
    ['|x| < 3', 'absolute value'],
    ['\\sqrt{x} < 3', 'root'],
    ['\\sin x < 1', 'function'],
    ['x < y', 'two variables'],
    ['x + y > 1', 'two variables'],
    ['1 < x > 2', 'mixed directions'],
    ['1 < x \\geq 0', 'mixed directions'],
    ['0 < x \\neq 3', '\\neq in a chain'],
    ['x < x + 1', 'zero coefficient'],
    ['2x - 2x \\geq 1', 'zero coefficient'],
    ['ix < 1', 'non-real coefficient'],
    ['1 < 2', 'no variable'],
    ['\\pi > 3', 'no variable'],
    ['5 < x < 3', 'empty set'],
    ['x < -\\infty', 'empty set'],
    ['0 < x < 1 < 2', 'a chain link without the variable'],
    ['x > 1, x < 5', 'overlapping list ("and" or "or"?)'],
    ['x \\leq 1, x \\geq 1', 'lists sharing a point'],
    ['x < 1, y > 2', 'different variables in a list'],
    ['x < 1, 3', 'a list member that is not a relation'],
    ['x < \\infty + 1', 'expression with infinity'],
    ['x < 2 = y', 'equation inside'],
    ['x <', 'empty side'],
    ['< 3', 'empty side'],
    ['x = 3', 'no relation'],
    ['x < \\frac{1}{0}', 'undefined end'],
    ['x < \\lfloor 2 \\rfloor', 'unparseable'],
    ['1<x<2<3<4<5<6<7<8', 'more than 8 parts'],
    [`x < ${'1+'.repeat(MAX_RELATION_LENGTH / 2)}1`, 'too long'],
  ])('%s → null (%s)', (text) => {
    expect(relationSet(text)).toBeNull();
  });

  it('accepts exactly 8 parts', () => {
    expect(show(relationSet('-x<0<x+1<2x+3<3x+5<4x+7<5x+9<6x+11'))).toBe('(0,inf)');
  });
});

describe('intervalSet', () => {
  const iv = (s: string): string | null => show(intervalSet(parseStructure(normalizeAnswer(s))));
  it.each([
    ['(-793, 10)', '(-793,10)'],
    ['[2,5)', '[2,5)'],
    ['(3, \\infty)', '(3,inf)'],
    ['(-\\infty, 5]', '(-inf,5]'],
    ['(-\\infty, \\infty)', '(-inf,inf)'],
    ['\\mathbb{R}', '(-inf,inf)'],
    ['[1,1]', '[1,1]'],
    ['(-\\infty,-1] \\cup (2,\\infty)', '(-inf,-1]u(2,inf)'],
    ['(2,\\infty) \\cup (-\\infty,-1]', '(-inf,-1]u(2,inf)'],
    ['(0,1) \\cup [1,2)', '(0,2)'],
    ['(0,1) \\cup (1,2)', '(0,1)u(1,2)'],
    ['(0,2) \\cup (1,3)', '(0,3)'],
    ['(0,1) \\cup (0,1)', '(0,1)'],
    ['[0,3] \\cup (1,2)', '[0,3]'],
    ['(0,1) \\cup \\{1\\}', '(0,1]'],
    ['(-\\infty,0) \\cup \\{2\\}', '(-inf,0)u[2,2]'],
    ['(\\frac{1}{2}, \\sqrt{2}]', '(0.5,1.414213562]'],
  ])('%s → %s', (text, expected) => {
    expect(iv(text)).toBe(expected);
  });

  it.each([
    ['(2,1)', 'lo > hi'],
    ['(1,1)', 'empty'],
    ['[1,1)', 'empty'],
    ['[-\\infty, 3]', 'closed at infinity'],
    ['(\\infty, 3)', 'from +∞'],
    ['(3, -\\infty)', 'to −∞'],
    ['(x, 3)', 'variable end'],
    ['(1,2,3)', 'three items'],
    ['\\{1,2\\}', 'a set alone'],
    ['(i, 2)', 'non-real end'],
    ['(1, \\infty+1)', 'expression with infinity'],
    ['5', 'a number'],
    ['x < 3', 'a relation'],
    ['(0,1) \\cup 5', 'a union member that is not an interval'],
    [Array.from({ length: 17 }, (_, k) => `(${2 * k},${2 * k + 1})`).join('\\cup'), 'more than 16 members'],
  ])('%s → null (%s)', (text) => {
    expect(iv(text)).toBeNull();
  });
});

describe('sameRealSet', () => {
  it.each([
    // flipped
    ['x \\leq 5', '5 \\geq x'],
    ['x < 5', '5 > x'],
    // negated
    ['x < 1', '-x > -1'],
    ['x \\le 1', '-x \\geq -1'],
    ['x \\ge -2', '-2x \\le 4'],
    ['x > 3', '6 < 2x'],
    // chains
    ['-793 < a < 10', '10 > a > -793'],
    ['2 \\leq x < 5', '5 > x \\geq 2'],
    ['-1 < x \\leq 2', '-1 < 2x+1 \\leq 5'],
    // relation vs interval
    ['(-793,10)', '-793 < a < 10'],
    ['[2,5)', '2 \\le x < 5'],
    ['(3,\\infty)', 'x > 3'],
    ['(-\\infty, 5]', 'x \\leq 5'],
    ['(-\\infty, 5]', '5 \\geq x'],
    ['(-\\infty,1)', '-x > -1'],
    ['(-\\infty,-1] \\cup (2,\\infty)', 'x \\le -1 \\text{ or } x > 2'],
    ['(-\\infty,-1] \\cup (2,\\infty)', 'x \\leq -1, x > 2'],
    ['(-\\infty,3) \\cup (3,\\infty)', 'x \\neq 3'],
    ['(-\\infty,\\infty)', 'x < 1 \\text{ or } x \\geq 1'],
    ['\\mathbb{R}', '(-\\infty,\\infty)'],
    // interval vs interval, unions in any order and pieces
    ['(-\\infty,-1] \\cup (2,\\infty)', '(2,\\infty) \\cup (-\\infty,-1]'],
    ['[0,2)', '[0,1) \\cup [1,2)'],
    // exact ends written differently
    ['(\\frac{1}{2}, 3)', '\\frac{2}{4} < x < \\frac{6}{2}'],
    ['x > \\frac{\\sqrt{8}}{2}', 'x > \\sqrt{2}'],
    ['x \\le 3.5', '2x \\le 7'],
    ['x < \\frac{7}{2}', '2x + 1 < 8'],
    ['(\\sqrt{2}, \\infty)', '\\sqrt{2} < x'],
    ['x < \\sqrt{2}', '\\frac{x}{\\sqrt{2}} < 1'],
  ])('%s = %s', (g, p) => {
    expect(same(g, p)).toBe(true);
  });

  it.each([
    ['x < 1', 'x > 1', 'direction flipped without negation'],
    ['x < 1', '-x < -1', 'negated without flipping'],
    ['x < 1', 'x \\leq 1', 'open vs closed end'],
    ['(1,2)', '[1,2]', 'open vs closed interval'],
    ['(1,2)', '(1,2]', 'one end'],
    ['x < 1', '(-\\infty, 1]', 'relation vs interval, closed end'],
    ['x \\leq 1', '(-\\infty, 1)', 'relation vs interval, open end'],
    ['x < 1', '(-\\infty, 2)', 'different ends'],
    ['-793 < a < 10', '(-793, 11)', 'different ends'],
    ['-793 < a < 10', '(-10, 793)', 'different ends'],
    ['x > 3', '(-\\infty, 3)', 'wrong side'],
    ['x > 3', '(3, 4)', 'bounded vs unbounded'],
    ['(-\\infty,-1] \\cup (2,\\infty)', 'x \\le -1', 'a partial union'],
    ['(-\\infty,-1] \\cup (2,\\infty)', 'x \\le -1, x \\geq 2', 'one end of a union'],
    ['(0,1) \\cup (1,2)', '(0,2)', 'a hole'],
    ['x \\neq 3', '\\mathbb{R}', 'a hole'],
    ['x > \\sqrt{2}', 'x > 1.414', 'an approximation (the exact comparator refuses it)'],
  ])('%s ≠ %s (%s)', (g, p) => {
    expect(same(g, p)).toBe(false);
  });

  it('uses the caller comparison for ends without an exact form', () => {
    expect(same('x < \\ln 2', '(-\\infty, \\ln 2)')).toBe(false); // the exact comparator cannot decide
    expect(same('x < \\ln 2', '(-\\infty, \\ln 2)', numericSame)).toBe(true);
    expect(same('2x < \\ln 4', 'x < \\ln 2', numericSame)).toBe(true);
    expect(same('x < \\ln 2', 'x < \\ln 3', numericSame)).toBe(false);
  });

  it('ignores variable names (the caller decides)', () => {
    expect(same('a < 1', 'x < 1')).toBe(true);
  });
});

describe('bounds', () => {
  it('never throws and stays small on arbitrary relation-like text', () => {
    const tokens = [
      'x',
      'y',
      '1',
      '2',
      '-',
      '+',
      '<',
      '>',
      '\\leq',
      '\\geq',
      '\\neq',
      ',',
      '(',
      ')',
      '[',
      ']',
      '\\infty',
      '\\frac{1}{2}',
      '\\sqrt{2}',
      '^',
      '{',
      '}',
      '\\cup',
      '=',
      'i',
      '\\pi',
      '!',
      '|',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 30 }), (parts) => {
        const s = parts.join('');
        const r = relationSet(s);
        if (r) expect(r.intervals.length).toBeGreaterThan(0);
        let a;
        try {
          a = parseStructure(s);
        } catch (e) {
          if (e instanceof TooComplexError) return; // structure's own limit, not this module's
          throw e;
        }
        const i = intervalSet(a);
        if (i) expect(i.intervals.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000, seed: 7 },
    );
  });
});
