import { SeededRandom, seededFloats, seededInts } from './random.js';

// The first five 32-bit outputs of mulberry32 per seed, from an independent implementation of the
// reference C code (Python, explicit uint32 masks). These pin the stream across versions: the demo's
// recorded numbers and the embedded models' provenance depend on it, so a change here is a breaking one.
const STREAMS: readonly (readonly [number, readonly number[]])[] = [
  [0, [1144304738, 1416247, 958946056, 627933444, 2007157716]],
  [1, [2693262067, 11749833, 2265367787, 4213581821, 4159151403]],
  [42, [2581720956, 1925393290, 3661312704, 2876485805, 750819978]],
  [0xffffffff, [3850105811, 813802916, 3073704848, 4054706436, 3630262831]],
];

const draws = (random: SeededRandom, n: number): number[] => Array.from({ length: n }, () => random.next());

describe('SeededRandom (mulberry32)', () => {
  test.each(STREAMS)('seed %i gives the reference stream', (seed, outputs) => {
    expect(draws(new SeededRandom(seed), outputs.length)).toEqual(outputs.map((x) => x / 2 ** 32));
  });

  test('the seed is taken modulo 2^32 (ToUint32)', () => {
    const first = (seed: number) => draws(new SeededRandom(seed), 4);
    expect(first(-1)).toEqual(first(0xffffffff));
    expect(first(2 ** 32)).toEqual(first(0));
    expect(first(2 ** 32 + 42)).toEqual(first(42));
    expect(first(1.7)).toEqual(first(1));
    expect(first(Number.NaN)).toEqual(first(0));
  });

  test('uniforms lie in [0, 1) with mean ≈ 1/2; normals have mean ≈ 0 and variance ≈ 1', () => {
    const random = new SeededRandom(7);
    const n = 100_000;
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const u = random.next();
      min = Math.min(min, u);
      max = Math.max(max, u);
      sum += u;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    // Standard error of the mean of U(0, 1): √(1/12/n) ≈ 0.0009; 5 of them.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
    let zSum = 0;
    let zSquares = 0;
    for (let i = 0; i < n; i++) {
      const z = random.normal();
      zSum += z;
      zSquares += z * z;
    }
    // Standard errors: mean 1/√n ≈ 0.003, variance √(2/n) ≈ 0.0045; 5 of them.
    expect(Math.abs(zSum / n)).toBeLessThan(0.016);
    expect(Math.abs(zSquares / n - 1)).toBeLessThan(0.023);
  });

  test('normal() consumes exactly two draws: Box–Muller, cosine branch', () => {
    const [u, v] = STREAMS[2]![1].map((x) => x / 2 ** 32);
    const random = new SeededRandom(42);
    expect(random.normal()).toBe(Math.sqrt(-2 * Math.log(1 - u!)) * Math.cos(2 * Math.PI * v!));
    expect(random.next()).toBe(STREAMS[2]![1][2]! / 2 ** 32);
  });
});

describe('seededFloats / seededInts', () => {
  test('one draw per element, from the seed alone', () => {
    const outputs = STREAMS[1]![1];
    expect(Array.from(seededFloats(1, 5, 0.5))).toEqual(outputs.map((x) => Math.fround((2 * (x / 2 ** 32) - 1) * 0.5)));
    expect(Array.from(seededInts(1, 5, 10))).toEqual(outputs.map((x) => Math.floor((x / 2 ** 32) * 10)));
    expect(seededFloats(3, 16)).toEqual(seededFloats(3, 16));
  });
});
