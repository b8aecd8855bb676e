import { readFileSync } from 'node:fs';
import {
  add,
  bitLength,
  compare,
  decimalPlaces,
  div,
  equals,
  fromDecimalDigits,
  gcd,
  inverse,
  isInteger,
  mul,
  neg,
  normalize,
  ONE,
  pow,
  root,
  sub,
  toString,
  ZERO,
  type Rational,
} from './rational.js';

/** One row of the Python `fractions.Fraction` table (see __fixtures__/rational-table.py). */
interface Row {
  a: [string, string];
  b: [string, string];
  normalized: string;
  add: string;
  sub: string;
  mul: string;
  div: string | null;
  compare: number;
  k: number;
  pow: string | null;
  rootK: number;
  radicand: [string, string];
  root: string | null;
  decimalPlaces: number | null;
}

const table = JSON.parse(readFileSync(new URL('./__fixtures__/rational-table.json', import.meta.url), 'utf8')) as Row[];
const q = ([n, d]: [string, string]): Rational => normalize(BigInt(n), BigInt(d))!;
const text = (r: Rational | null): string | null => (r === null ? null : toString(r));

/** A seeded bigint stream (splitmix64), independent of the package's own PRNG. */
function bigints(seed: bigint): (bits: number) => bigint {
  const MASK = (1n << 64n) - 1n;
  let s = seed & MASK;
  const next64 = (): bigint => {
    s = (s + 0x9e3779b97f4a7c15n) & MASK;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  };
  return (bits) => {
    let x = 0n;
    for (let have = 0; have < bits; have += 64) x = (x << 64n) | next64();
    x &= (1n << BigInt(bits)) - 1n;
    return next64() & 1n ? -x : x;
  };
}

/** Seeded random rationals whose parts have up to `maxBits` bits (the denominator non-zero, either sign). */
function randomRationals(seed: bigint, count: number, maxBits: number): Rational[] {
  const random = bigints(seed);
  const out: Rational[] = [];
  while (out.length < count) {
    const sizes = random(16);
    const n = random(1 + Number((sizes < 0n ? -sizes : sizes) % BigInt(maxBits)));
    const d = random(1 + Number((sizes >> 4n) % BigInt(maxBits)));
    if (d !== 0n) out.push(normalize(n, d)!);
  }
  return out;
}

describe('exact rationals against Python fractions.Fraction', () => {
  it(`has a table of ${table.length} rows`, () => {
    expect(table.length).toBeGreaterThanOrEqual(100);
  });

  it.each(table.map((row, i) => [i, row] as const))('row %i', (_i, row) => {
    const a = q(row.a);
    const b = q(row.b);
    expect(toString(a)).toBe(row.normalized);
    expect(toString(add(a, b))).toBe(row.add);
    expect(toString(sub(a, b))).toBe(row.sub);
    expect(toString(mul(a, b))).toBe(row.mul);
    expect(text(div(a, b))).toBe(row.div);
    expect(compare(a, b)).toBe(row.compare);
    // pow keeps a reduced base reduced, so its text is the canonical one
    expect(text(pow(a, BigInt(row.k)))).toBe(row.pow);
    expect(text(root(q(row.radicand), row.rootK))).toBe(row.root);
    expect(decimalPlaces(a.d)).toBe(row.decimalPlaces);
  });
});

describe('exact rationals: identities over seeded random bigints', () => {
  const values = randomRationals(0x5eed_0001n, 300, 256);
  const pairs = values.slice(0, 150).map((a, i) => [a, values[150 + i]!] as const);
  const reduced = (r: Rational): boolean => r.d > 0n && gcd(r.n, r.d) === 1n && (r.n !== 0n || r.d === 1n);

  it('normalises to the unique reduced form with a positive denominator', () => {
    const random = bigints(0x5eed_0002n);
    for (const a of values) {
      expect(reduced(a)).toBe(true);
      const k = random(40);
      const scale = k === 0n ? 1n : k;
      expect(normalize(a.n * scale, a.d * scale)).toEqual(a);
    }
    expect(normalize(5n, 0n)).toBeNull();
    expect(normalize(0n, -7n)).toEqual(ZERO);
  });

  it('a/b · b/a = 1, (a + b) − b = a, a − a = 0, a + (−a) = 0', () => {
    for (const [a, b] of pairs) {
      if (a.n !== 0n) expect(mul(a, inverse(a)!)).toEqual(ONE);
      expect(sub(add(a, b), b)).toEqual(a);
      expect(sub(a, a)).toEqual(ZERO);
      expect(add(a, neg(a))).toEqual(ZERO);
      for (const r of [add(a, b), sub(a, b), mul(a, b)]) expect(reduced(r)).toBe(true);
    }
  });

  it('commutes, associates and distributes', () => {
    for (let i = 0; i + 2 < values.length; i += 3) {
      const [a, b, c] = [values[i]!, values[i + 1]!, values[i + 2]!];
      expect(add(a, b)).toEqual(add(b, a));
      expect(mul(a, b)).toEqual(mul(b, a));
      expect(add(add(a, b), c)).toEqual(add(a, add(b, c)));
      expect(mul(mul(a, b), c)).toEqual(mul(a, mul(b, c)));
      expect(mul(a, add(b, c))).toEqual(add(mul(a, b), mul(a, c)));
    }
  });

  it('divides as the inverse of multiplying, and not by zero', () => {
    for (const [a, b] of pairs) {
      if (b.n === 0n) expect(div(a, b)).toBeNull();
      else expect(mul(div(a, b)!, b)).toEqual(a);
      expect(div(a, ZERO)).toBeNull();
    }
    expect(inverse(ZERO)).toBeNull();
  });

  it('compares consistently with the sign of the difference', () => {
    for (const [a, b] of pairs) {
      const diff = sub(a, b);
      expect(compare(a, b)).toBe(diff.n === 0n ? 0 : diff.n > 0n ? 1 : -1);
      expect(compare(b, a)).toBe(-compare(a, b));
      expect(equals(a, b)).toBe(compare(a, b) === 0);
      expect(compare(a, a)).toBe(0);
    }
  });

  it('raises to integer powers: q^j · q^k = q^(j+k), q^k · q^−k = 1, 0^−k undefined', () => {
    const small = randomRationals(0x5eed_0003n, 60, 48);
    for (const a of small) {
      for (const [j, k] of [
        [2n, 3n],
        [-1n, 4n],
        [5n, -2n],
        [0n, 7n],
      ] as const) {
        if (a.n === 0n) continue;
        expect(mul(pow(a, j)!, pow(a, k)!)).toEqual(pow(a, j + k));
        expect(mul(pow(a, k)!, pow(a, -k)!)).toEqual(ONE);
      }
      expect(pow(a, 0n)).toEqual(ONE);
      expect(pow(a, 1n)).toEqual(a);
      expect(pow(a, 3n)).toEqual(mul(a, mul(a, a)));
    }
    expect(pow(ZERO, 3n)).toEqual(ZERO);
    expect(pow(ZERO, -1n)).toBeNull();
    // a positive power keeps the written (unreduced) form; a negative one reduces
    expect(pow({ n: 20n, d: 10n }, 1n)).toEqual({ n: 20n, d: 10n });
    expect(pow({ n: 5n, d: 10n }, -1n)).toEqual({ n: 2n, d: 1n });
  });

  it('takes exact roots of perfect powers and refuses the rest', () => {
    const small = randomRationals(0x5eed_0004n, 80, 64);
    for (const a of small) {
      for (const k of [2, 3, 5, 7]) {
        const power = pow(a, BigInt(k))!;
        expect(root(power, k)).toEqual(k % 2 === 0 && a.n < 0n ? neg(a) : a);
        // n^k + 1 lies strictly between two k-th powers unless n is 0 or −1, and reducing by a common
        // factor cannot make both parts k-th powers (that factor would be a k-th power itself)
        if (a.n !== 0n && a.n !== -1n) expect(root({ n: power.n + 1n, d: power.d }, k)).toBeNull();
      }
    }
    expect(root({ n: -8n, d: 27n }, 3)).toEqual({ n: -2n, d: 3n });
    expect(root({ n: -4n, d: 1n }, 2)).toBeNull();
    expect(root({ n: 18n, d: 8n }, 2)).toEqual({ n: 3n, d: 2n }); // reduced first: 9/4
  });

  it('counts bits exactly', () => {
    const random = bigints(0x5eed_0005n);
    for (let i = 0; i < 300; i++) {
      const x = random(1 + (i % 300));
      expect(bitLength(x)).toBe(x === 0n ? 0 : (x < 0n ? -x : x).toString(2).length);
    }
    expect([0n, 1n, -1n, 2n, 15n, 16n, 255n, 256n].map(bitLength)).toEqual([0, 1, 1, 2, 4, 5, 8, 9]);
  });

  it('finds the decimal places of terminating decimals, and none otherwise', () => {
    const random = bigints(0x5eed_0006n);
    for (let i = 0; i < 200; i++) {
      const twos = Number(random(16) & 63n);
      const fives = Number(random(16) & 31n);
      const other = [1n, 1n, 3n, 7n, 11n, 13n, 9n][i % 7]!;
      const d = 2n ** BigInt(twos) * 5n ** BigInt(fives) * other;
      const places = Math.max(twos, fives);
      expect(decimalPlaces(d)).toBe(other === 1n ? places : null);
      if (other === 1n) {
        expect(10n ** BigInt(places) % d).toBe(0n);
        if (places > 0) expect(10n ** BigInt(places - 1) % d).not.toBe(0n);
      }
    }
  });

  it('reads decimal digits without reducing and prints n or n/d', () => {
    expect(fromDecimalDigits('3', '0')).toEqual({ n: 30n, d: 10n });
    expect(fromDecimalDigits('', '5')).toEqual({ n: 5n, d: 10n });
    expect(fromDecimalDigits('', '')).toEqual({ n: 0n, d: 1n });
    expect(fromDecimalDigits('0012', '')).toEqual({ n: 12n, d: 1n });
    const random = bigints(0x5eed_0007n);
    for (let i = 0; i < 100; i++) {
      const int = (random(80) < 0n ? 0n : 1n) * (random(1 + i) & ((1n << 70n) - 1n));
      const frac = (random(60) & ((1n << 50n) - 1n)).toString().padStart(1 + (i % 20), '0');
      const value = fromDecimalDigits(int.toString(), frac);
      expect(value.d).toBe(10n ** BigInt(frac.length));
      expect(value.n).toBe(int * 10n ** BigInt(frac.length) + BigInt(frac));
    }
    for (const a of values) {
      expect(isInteger(a)).toBe(a.d === 1n);
      const [n, d = '1'] = toString(a).split('/');
      expect(normalize(BigInt(n!), BigInt(d))).toEqual(a);
      expect(toString(a)).toBe(a.d === 1n ? `${a.n}` : `${a.n}/${a.d}`);
    }
  });
});
