import type { SeedRun } from './aggregate.js';
import { bootstrapMeanInterval, pairedFamilyTest, pairedTestLine } from './paired-test.js';

// A run stands for its value: the test reads runs only through `value`.
const run = (seed: number, v: number) => ({ seed, steps: [], evals: [], v }) as SeedRun & { v: number };
const value = (r: SeedRun) => (r as SeedRun & { v: number }).v;

describe('paired family test', () => {
  const groups = new Map<string, SeedRun[]>([
    ['linear-r', [run(1, 0.5), run(2, 0.6), run(3, 0.4)]],
    ['sqrt-r', [run(1, 0.3), run(2, 0.6), run(3, 0.2)]],
    ['grpo', [run(1, 0.2), run(2, 0.3), run(3, 0.4), run(4, 0.9)]],
  ]);

  test('first family mean minus second, per seed every weighting ran', () => {
    const t = pairedFamilyTest(groups, (w) => w !== 'grpo', value);
    expect(t.first).toEqual(['linear-r', 'sqrt-r']);
    expect(t.second).toEqual(['grpo']);
    expect(t.seeds).toEqual([1, 2, 3]);
    // Seed 1: (0.5 + 0.3)/2 − 0.2 = 0.2; seed 2: 0.6 − 0.3 = 0.3; seed 3: 0.3 − 0.4 = −0.1.
    expect(t.differences.map((d) => Number(d.toFixed(12)))).toEqual([0.2, 0.3, -0.1]);
    expect(t.mean).toBeCloseTo(0.4 / 3, 12);
    // sd of (0.2, 0.3, −0.1) = 0.2082; t(0.975, 2) = 4.303; half-width = 4.303 × 0.2082 / √3.
    expect(t.halfWidth).toBeCloseTo((4.303 * Math.sqrt(0.04333333333333333)) / Math.sqrt(3), 6);
    expect(t.positive).toBe(2);
    expect(t.bootstrap[0]).toBeLessThanOrEqual(t.mean);
    expect(t.bootstrap[1]).toBeGreaterThanOrEqual(t.mean);
    expect(pairedTestLine('area', t)).toMatch(
      /^- area \(linear-r, sqrt-r minus grpo\), paired over seeds 1, 2, 3: 13\.33 points ± \d+\.\d\d \(95 % t\), bootstrap \[-?\d+\.\d\d, \d+\.\d\d\]; 2 of 3 seeds favour the first family\.$/,
    );
  });

  test('bootstrap interval: inside the data’s range, degenerate for constant data, seeded', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8];
    const [lo, hi] = bootstrapMeanInterval(xs);
    expect(lo).toBeGreaterThan(1);
    expect(hi).toBeLessThan(8);
    expect(lo).toBeLessThan(4.5);
    expect(hi).toBeGreaterThan(4.5);
    expect(bootstrapMeanInterval(xs)).toEqual([lo, hi]);
    expect(bootstrapMeanInterval([2, 2, 2])).toEqual([2, 2]);
  });

  test('an empty family gives no differences and says so', () => {
    const t = pairedFamilyTest(groups, () => true, value);
    expect(t.differences).toEqual([]);
    expect(pairedTestLine('area', t)).toMatch(/no seed ran every weighting of both families/);
  });
});
