import { canonicalDecimal, canonicalFraction, canonicalRational, exactRoot, plainValue, power, rational, readPlainNumber } from './numbers.js';

const plain = (text: string): string | undefined => {
  const p = readPlainNumber(text, 0);
  return p === null ? undefined : `${plainValue(text, p, false)}|${text.slice(p.end)}`;
};

describe('exact values', () => {
  it('canonicalises decimals and fractions exactly', () => {
    expect(canonicalDecimal(false, '0018', '500')).toBe('18.5');
    expect(canonicalDecimal(true, '0', '000')).toBe('0');
    expect(canonicalDecimal(true, '', '25')).toBe('-0.25');
    expect(canonicalFraction(false, 3n, 4n)).toBe('0.75');
    expect(canonicalFraction(true, 6n, 8n)).toBe('-0.75');
    expect(canonicalFraction(false, 2n, 6n)).toBe('1/3');
    expect(canonicalFraction(false, -2n, 6n)).toBe('-1/3');
    expect(canonicalFraction(false, 10n, 5n)).toBe('2');
    expect(canonicalFraction(false, 1n, 1024n)).toBe('0.0009765625');
    expect(canonicalFraction(true, 0n, 7n)).toBe('0');
    expect(canonicalRational({ n: -6n, d: 4n })).toBe('-1.5');
  });

  it('reads plain numbers with one kind of grouping and stops before anything else', () => {
    expect(plain('1,000,000.50 x')).toBe('1000000.5| x');
    expect(plain('1 000 apples')).toBe('1000| apples');
    expect(plain('1{,}000')).toBe('1000|');
    expect(plain('1\\,000')).toBe('1000|');
    expect(plain('12 3456')).toBe('12| 3456');
    expect(plain('1,00')).toBe('1|,00');
    expect(plain('.5')).toBe('0.5|');
    expect(plain('18.')).toBe('18|.');
    expect(plain('1.2.3')).toBe('1.2|.3');
    expect(plain('x')).toBeUndefined();
  });

  it('raises to integer powers within the size limit and takes only exact roots', () => {
    expect(power({ n: 2n, d: 1n }, 10)).toEqual({ n: 1024n, d: 1n });
    expect(power({ n: 10n, d: 1n }, -3)).toEqual({ n: 1n, d: 1000n });
    expect(power({ n: 0n, d: 1n }, -1)).toBeNull();
    expect(power({ n: 1n, d: 1n }, 10_000_000)).toEqual({ n: 1n, d: 1n });
    expect(power({ n: 2n, d: 1n }, 10_000)).toBeNull();
    expect(exactRoot({ n: 16n, d: 1n }, 2)).toEqual({ n: 4n, d: 1n });
    expect(exactRoot({ n: 27n, d: 8n }, 3)).toEqual({ n: 3n, d: 2n });
    expect(exactRoot({ n: -27n, d: 1n }, 3)).toEqual({ n: -3n, d: 1n });
    expect(exactRoot({ n: -4n, d: 1n }, 2)).toBeNull();
    expect(exactRoot({ n: 2n, d: 1n }, 2)).toBeNull();
    expect(exactRoot({ n: 15n, d: 1n }, 2)).toBeNull();
    expect(exactRoot({ n: (10n ** 40n + 1n) ** 2n, d: 1n }, 2)).toEqual({ n: 10n ** 40n + 1n, d: 1n });
    expect(rational(6n, -4n)).toEqual({ n: -3n, d: 2n });
    expect(rational(1n, 0n)).toBeNull();
  });
});
