import { SeededRandom } from './random.js';

describe('SeededRandom', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const seqA = Array.from({ length: 8 }, () => a.nextUint32());
    const seqB = Array.from({ length: 8 }, () => b.nextUint32());
    const seqC = Array.from({ length: 8 }, () => c.nextUint32());
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
  });

  it('draws uniforms in [0, 1) with mean ≈ 1/2 and normals with mean ≈ 0, variance ≈ 1', () => {
    const random = new SeededRandom(7);
    const n = 200_000;
    let uniformSum = 0;
    let normalSum = 0;
    let normalSquares = 0;
    let uniformMin = Infinity;
    let uniformMax = -Infinity;
    for (let i = 0; i < n; i++) {
      const u = random.uniform();
      uniformMin = Math.min(uniformMin, u);
      uniformMax = Math.max(uniformMax, u);
      uniformSum += u;
      const z = random.normal();
      normalSum += z;
      normalSquares += z * z;
    }
    expect(uniformMin).toBeGreaterThanOrEqual(0);
    expect(uniformMax).toBeLessThan(1);
    // 5 standard errors: uniform mean se = 0.289/√n ≈ 6.5e-4, normal mean se ≈ 2.2e-3, variance se ≈ 3.2e-3.
    expect(Math.abs(uniformSum / n - 0.5)).toBeLessThan(3.3e-3);
    expect(Math.abs(normalSum / n)).toBeLessThan(1.1e-2);
    expect(Math.abs(normalSquares / n - 1)).toBeLessThan(1.6e-2);
  });
});
