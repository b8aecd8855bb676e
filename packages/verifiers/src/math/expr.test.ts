import { NotExact, normalForm, polyEquals, polyRational } from './algebra.js';
import { ParseError, evaluate, freeVariables, parseScalar } from './expr.js';
import { Rational, TooComplexError } from './rational.js';

const exact = (s: string) => normalForm(parseScalar(s));
const value = (s: string) => polyRational(exact(s))?.toString();
const same = (a: string, b: string) => polyEquals(exact(a), exact(b));

describe('Rational', () => {
  it('reads decimals exactly and stays reduced', () => {
    expect(Rational.fromDecimal('12.50')!.toString()).toBe('25/2');
    expect(Rational.fromDecimal('.5')!.toString()).toBe('1/2');
    expect(Rational.fromDecimal('.')).toBeNull();
    expect(Rational.of(6n, -4n).toString()).toBe('-3/2');
  });
  it('refuses huge powers instead of computing them', () => {
    expect(() => Rational.of(9n).powInt(387_420_489n)).toThrow(TooComplexError);
    expect(Rational.of(2n).powInt(-3n).toString()).toBe('1/8');
  });
});

describe('parseScalar + normalForm', () => {
  it.each([
    ['\\frac{1}{2}', '1/2'],
    ['\\frac12', '1/2'],
    ['\\frac1{72}', '1/72'],
    ['3/4', '3/4'],
    ['-\\frac{3}{4}', '-3/4'],
    ['2\\frac{1}{2}', '5/2'],
    ['12.0', '12'],
    ['.5', '1/2'],
    ['2^{10}', '1024'],
    ['2^-1', '1/2'],
    ['5!', '120'],
    ['\\binom{6}{3}', '20'],
    ['2.5\\times10^{3}', '2500'],
    ['\\sqrt{16}', '4'],
    ['\\sqrt[3]{-8}', '-2'],
    ['i^2', '-1'],
    ['(1+i)(1-i)', '2'],
  ])('%s = %s', (input, out) => {
    expect(value(input)).toBe(out);
  });

  it('puts radicals, π and polynomials in a canonical form', () => {
    expect(same('\\sqrt{12}', '2\\sqrt3')).toBe(true);
    expect(same('\\sqrt6', '\\sqrt2\\sqrt3')).toBe(true);
    expect(same('\\sqrt[3]{16}', '2\\sqrt[3]{2}')).toBe(true);
    expect(same('\\frac{1}{\\sqrt2}', '\\frac{\\sqrt2}{2}')).toBe(true);
    expect(same('(x+1)^2', 'x^2+2x+1')).toBe(true);
    expect(same('2\\pi', '\\pi+\\pi')).toBe(true);
    expect(same('2\\sqrt2', '2\\sqrt3')).toBe(false);
    expect(same('\\frac{1}{2^{99}}', '\\frac{1}{2^{98}}')).toBe(false);
    expect(same('10^{100}+1', '10^{100}')).toBe(false);
  });

  it('reports what has no exact form, and what is too large', () => {
    expect(() => exact('\\frac{1}{1+x}')).toThrow(NotExact);
    expect(() => exact('\\sin x')).toThrow(NotExact);
    expect(() => exact('2^x')).toThrow(NotExact);
    expect(() => exact('9^{9^{9^9}}')).toThrow(TooComplexError);
    expect(() => exact('(x+y+z+w+1)^{20}')).toThrow(TooComplexError);
    expect(() => exact('4000!')).toThrow(TooComplexError);
  });

  it('rejects what is not in the grammar', () => {
    expect(() => parseScalar('\\lfloor x \\rfloor')).toThrow(ParseError);
    expect(() => parseScalar('1,2')).toThrow(ParseError);
    expect(() => parseScalar('\\frac{1}{')).toThrow(ParseError);
    expect(() => parseScalar('('.repeat(60) + '1' + ')'.repeat(60))).toThrow(TooComplexError);
  });

  it('evaluates numerically with functions and variables', () => {
    expect(evaluate(parseScalar('\\sin 2x'), new Map([['x', 0.5]])).re).toBeCloseTo(Math.sin(1), 12);
    expect(evaluate(parseScalar('\\log_2 8'), new Map()).re).toBeCloseTo(3, 12);
    expect(evaluate(parseScalar('e^{i\\pi}'), new Map()).re).toBeCloseTo(-1, 12);
    expect([...freeVariables(parseScalar('x_1 + \\theta y + \\pi e'))].sort()).toEqual(['theta', 'x_1', 'y']);
  });
});
