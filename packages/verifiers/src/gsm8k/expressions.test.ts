import { withCpuMs } from '../testing/cpu-time.js';
import { allExpressions, lastExpression } from './expressions.js';

/** Each expression as `value` or `NaN(source)`. */
const read = (text: string): string[] => allExpressions(text).map((t) => t.value ?? `NaN(${t.source})`);

describe('numeric expressions', () => {
  it('reads plain numbers, signs, currency and separators without gluing separate numbers', () => {
    expect(read('1,000 and 1,000,000.50 and 1 000 and 12 345 678')).toEqual(['1000', '1000000.5', '1000', '12345678']);
    expect(read('3 4 and 12 3456 and 1,00')).toEqual(['3', '4', '12', '3456', '1', '0']);
    expect(read('-5 −5 -$5 $-5 \\$-5 x-5')).toEqual(['-5', '-5', '-5', '-5', '-5', '5']);
    expect(read('18. 18.00 .5 018 18% 18kg 18 dollars 90^\\circ 90^{\\circ}')).toEqual(['18', '18', '0.5', '18', '18', '18', '18', '90', '90']);
  });

  it('evaluates fractions, mixed numbers, powers, roots and scientific notation exactly', () => {
    expect(read('3/4 6/8 1/3 3/4.5 \\frac{1}{6} \\dfrac{3}{4} \\tfrac12 \\frac1{8} \\cfrac{-2}{4}')).toEqual(['0.75', '0.75', '1/3', '2/3', '1/6', '0.75', '0.5', '0.125', '-0.5']);
    expect(read('\\frac{\\frac{1}{2}}{\\frac{3}{4}} and -\\frac{1}{2} and \\frac{1,000}{8}')).toEqual(['2/3', '-0.5', '125']);
    expect(read('2\\frac{1}{2} and 2 \\frac12 and 2 1/2 and 2½ and ¾ and 6 and a half')).toEqual(['2.5', '2.5', '2.5', '2.5', '0.75', '6.5']);
    expect(read('2^6 2^{10} 2**6 10^{-3} 2^10 \\frac12^2')).toEqual(['64', '1024', '64', '0.001', '1024', '0.25']);
    expect(read('\\sqrt{16} \\sqrt[3]{27} \\sqrt{\\frac{9}{4}} \\sqrt4 √16 3\\sqrt{4}')).toEqual(['4', '3', '1.5', '2', '4', '6']);
    expect(read('1e6 1.5E-3 2.5e+2 2.5\\times10^{3} 2.5 × 10^3 1 \\cdot 10^{2} 4x10^2')).toEqual(['1000000', '0.0015', '250', '2500', '2500', '100', '400']);
    expect(read('6 million, 1.5 billion, 6 thousand, 6million, 6 hundred thousand, 6 dozen')).toEqual(['6000000', '1500000000', '6000', '6000000', '600000', '6']);
  });

  it('reads what is not a number as one whole not-a-number, never as its digits', () => {
    expect(read('\\sqrt{2} \\sqrt[3]{6} \\frac{x}{6} \\frac{1+2}{3} \\frac{1}{0} 5/0 \\frac123')).toEqual([
      'NaN(\\sqrt{2})',
      'NaN(\\sqrt[3]{6})',
      'NaN(\\frac{x}{6})',
      'NaN(\\frac{1+2}{3})',
      'NaN(\\frac{1}{0})',
      'NaN(5/0)',
      'NaN(\\frac123)',
    ]);
    expect(read('2024-06-06 06/06/2024 1-800-555-0199 1.2.3 6:30 3:2')).toEqual(['NaN(2024-06-06)', 'NaN(06/06/2024)', 'NaN(1-800-555-0199)', 'NaN(1.2.3)', 'NaN(6:30)', 'NaN(3:2)']);
    expect(read('6th 1st 22nd 3rd 6^{th} 6^\\text{th} 6k 6M 6B 0x6 6x6 6\\pi 6π 2\\frac{3}{2} 2^{x} 2^{1/2}')).toEqual([
      'NaN(6th)',
      'NaN(1st)',
      'NaN(22nd)',
      'NaN(3rd)',
      'NaN(6^{th})',
      'NaN(6^\\text)',
      'NaN(6k)',
      'NaN(6M)',
      'NaN(6B)',
      'NaN(0x6)',
      'NaN(6x6)',
      'NaN(6\\pi)',
      'NaN(6π)',
      'NaN(2\\frac{3}{2})',
      'NaN(2^{x})',
      'NaN(2^{1/2})',
    ]);
    expect(read('10-4 and 3 + 3 and 2 \\times 3 and 6 – 8 and (1/6)^2 and 2 x 3 = 6')).toEqual([
      'NaN(10)',
      'NaN(4)',
      'NaN(3)',
      'NaN(3)',
      'NaN(2)',
      'NaN(3)',
      'NaN(6)',
      'NaN(8)',
      'NaN(1/6)',
      'NaN(2)',
      'NaN(3)',
      '6',
    ]);
    expect(read('2^{9999} 1e99999999')).toEqual(['NaN(2^{9999})', 'NaN(1e99999999)']);
  });

  it('ignores digits inside words, indices, superscripts of non-numbers and list markers', () => {
    expect(read('x6 v6 H2O v1.2 x_6 a_{16} x^{6} cm^2 e^{-6}')).toEqual([]);
    expect(read('1. Add them\n2) Then\n 3. **Done**: 7')).toEqual(['7']);
    expect(read('An unclosed \\frac{1}{6 swallows the rest: 7')).toEqual(['NaN(\\frac{1}{6 swallows the rest: 7)']);
    expect(read('x_{6 and 7')).toEqual([]);
  });

  it('finds the last expression in one linear pass', () => {
    expect(lastExpression('first 5, then \\frac{1}{6}.')?.value).toBe('1/6');
    expect(lastExpression('no digits')).toBeNull();
    const { value, cpuMs } = withCpuMs(() => [
      lastExpression('1'.repeat(5_000_000))?.value?.length,
      lastExpression(`1${',000'.repeat(1_000_000)}`)?.value?.length,
      lastExpression('1 '.repeat(1_000_000))?.value,
      lastExpression('x'.repeat(5_000_000)),
      lastExpression('\\frac{'.repeat(200_000))?.why,
      lastExpression('\\sqrt['.repeat(200_000))?.why,
      lastExpression('2^{'.repeat(200_000))?.why,
      lastExpression('1/'.repeat(500_000))?.value,
      lastExpression('1-'.repeat(500_000))?.why,
    ]);
    expect(value).toEqual([5_000_000, 3_000_001, '1', null, 'an unclosed brace', 'an unclosed root index', 'an unclosed brace', null, 'a date or a hyphenated code']);
    // CPU time of this process (not wall-clock), with a wide margin: a quadratic scan would take minutes.
    expect(cpuMs).toBeLessThan(20_000);
  });
});
