import { allNumbers, canonicalDecimal, canonicalFraction, lastNumber, numberAfter } from './numbers.js';

const values = (text: string): string[] => allNumbers(text).map((t) => t.value);

describe('number scanner', () => {
  it('canonicalises decimals and fractions exactly', () => {
    expect(canonicalDecimal(false, '0018', '500')).toBe('18.5');
    expect(canonicalDecimal(true, '0', '000')).toBe('0');
    expect(canonicalDecimal(true, '', '25')).toBe('-0.25');
    expect(canonicalFraction(false, 3n, 4n)).toBe('0.75');
    expect(canonicalFraction(true, 6n, 8n)).toBe('-0.75');
    expect(canonicalFraction(false, 2n, 6n)).toBe('1/3');
    expect(canonicalFraction(false, 10n, 5n)).toBe('2');
    expect(canonicalFraction(false, 1n, 1024n)).toBe('0.0009765625');
    expect(canonicalFraction(true, 0n, 7n)).toBe('0');
  });

  it('reads separators, signs and currency without gluing separate numbers', () => {
    expect(values('1,000 and 1,000,000.50 and 1 000 and 12 345 678')).toEqual(['1000', '1000000.5', '1000', '12345678']);
    expect(values('3 4 and 12 3456 and 1234 567 and 1,00 and 1,0000')).toEqual(['3', '4', '12', '3456', '1234', '567', '1', '0', '1', '0']);
    expect(values('1{,}000 1\\,000 1\u2009000 1\u202f000 1\u00a0000')).toEqual(['1000', '1000', '1000', '1000', '1000']);
    expect(values('-5 −5 -$5 $-5 \\$-5 10-5 x-5 (2)-5 - 5')).toEqual(['-5', '-5', '-5', '-5', '-5', '10', '5', '5', '2', '5', '5']);
    expect(values('18. 18.00 .5 0.50 018 18% 18kg 3/4 6/8 1/3 5/0 3/4.5')).toEqual(['18', '18', '0.5', '0.5', '18', '18', '18', '0.75', '0.75', '1/3', '5', '0', '3', '4.5']);
    expect(values('1.2.3')).toEqual(['1.2', '3']);
  });

  it('finds the last number as a full forward scan would', () => {
    for (const text of ['a 1,000 b', 'x 3 4', 'total 1 000 000.', 'ends 12 3456', 'neg -$7.50!', '. .5', '1/3 of', 'no digits', '', '1 000 1 000', '99 1,00']) {
      const all = allNumbers(text);
      expect(lastNumber(text)?.value).toBe(all[all.length - 1]?.value);
    }
  });

  it('reads the number after a marker through decoration only', () => {
    const after = (text: string): string | undefined => numberAfter(text, 0)?.value;
    expect(after(' $18')).toBe('18');
    expect(after(' **18**')).toBe('18');
    expect(after(': \\boxed{18}')).toBe('18');
    expect(after(' \\(18\\)')).toBe('18');
    expect(after(' -5')).toBe('-5');
    expect(after(' the 18')).toBeUndefined();
    expect(after(`${' '.repeat(100)}18`)).toBeUndefined();
  });

  it('is linear on long digit runs and separator chains', () => {
    const start = performance.now();
    expect(lastNumber('1'.repeat(5_000_000))?.value.length).toBe(5_000_000);
    expect(lastNumber(`1${',000'.repeat(1_000_000)}`)?.value.length).toBe(3_000_001);
    expect(lastNumber('1 '.repeat(1_000_000))?.value).toBe('1');
    expect(lastNumber(`${'x'.repeat(5_000_000)}`)).toBeNull();
    expect(performance.now() - start).toBeLessThan(3000);
  });
});
