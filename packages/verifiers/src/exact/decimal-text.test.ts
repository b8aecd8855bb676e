import { canonicalDecimal } from './decimal-text.js';

describe('canonicalDecimal', () => {
  test.each([
    ['7', '7'],
    ['-007.50', '-7.5'],
    ['+0.0', '0'],
    ['-0', '0'],
    ['\u22123.25', '-3.25'],
    ['.5', '0.5'],
    ['5.', '5'],
    [' 42 ', '42'],
    ['000', '0'],
  ])('%j reads as %j', (text, canonical) => {
    expect(canonicalDecimal(text)).toBe(canonical);
  });

  test.each(['', '.', '-', '1,000', '1 000', '1/2', '\\frac12', '1e5', '1.2.3', '--1', '12a', '$5$'])('%j is not a plain decimal numeral', (text) => {
    expect(canonicalDecimal(text)).toBeNull();
  });

  test('a million digits: equal texts are equal, one changed digit is not', () => {
    const digits = '9'.repeat(1_000_000);
    expect(canonicalDecimal(`00${digits}.000`)).toBe(digits);
    expect(canonicalDecimal(`${digits.slice(1)}8`)).not.toBe(canonicalDecimal(digits));
  });
});
