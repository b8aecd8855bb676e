import { WeightsError } from './errors.js';
import { advantagePoints, effectiveWeightPoints } from './figures.js';
import { grpo, linearR, reinforce, sqrtR, uniformR } from './weightings.js';

// The figure rows are f64 and computed with the same arithmetic up to operation order: a few ulps.
const RELATIVE = 1e-12;

function close(actual: number | null, expected: number | null): boolean {
  if (actual === null || expected === null) return actual === expected;
  return actual === expected || Math.abs(actual - expected) <= RELATIVE * Math.abs(expected);
}

describe('effectiveWeightPoints (paper Fig. 2)', () => {
  it('one point per weighting and k = 1..M−1, with h(k/M) at group size M', () => {
    const m = 8;
    const points = effectiveWeightPoints([linearR(), grpo({ std: 'sample', epsilon: 0 })], m);
    expect(points).toHaveLength(2 * (m - 1));
    expect(points.map((p) => p.successes)).toEqual([1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6, 7]);
    expect(points.slice(0, 7).every((p) => p.weighting === 'linear-r' && p.label === 'Linear-R')).toBe(true);
    const bad = points.filter((p) => {
      const rho = p.successes / m;
      // Linear-R: h = 1 − ρ. GRPO with the sample std at M: h = ρ(1−ρ)/√(M/(M−1)·ρ(1−ρ)) = √((M−1)/M·ρ(1−ρ)).
      const h = p.weighting === 'linear-r' ? 1 - rho : Math.sqrt(((m - 1) / m) * rho * (1 - rho));
      return p.rho !== rho || !close(p.effectiveWeight, h);
    });
    expect(bad).toEqual([]);
  });

  it('with endpoints: k = 0..M, where weightings silent at the endpoints are 0 and the others are not', () => {
    const points = effectiveWeightPoints([grpo(), sqrtR(), uniformR()], 4, true);
    expect(points).toHaveLength(3 * 5);
    const at = (name: string, k: number) => points.find((p) => p.weighting === name && p.successes === k)!.effectiveWeight;
    expect([at('grpo', 0), at('grpo', 4)]).toEqual([0, 0]);
    expect([at('sqrt-r', 0), at('sqrt-r', 4)]).toEqual([1, 0]);
    expect([at('uniform-r', 0), at('uniform-r', 4)]).toEqual([1, 1]);
    expect(close(at('sqrt-r', 1), Math.sqrt(0.75))).toBe(true);
  });

  it('rejects a group size below 2', () => {
    expect(() => effectiveWeightPoints([linearR()], 1)).toThrow(WeightsError);
    expect(() => effectiveWeightPoints([linearR()], 2.5)).toThrow('groupSize');
  });
});

describe('advantagePoints', () => {
  it('k = 0..M with the advantages of a correct and a wrong response, null where no such response exists', () => {
    const m = 4;
    const points = advantagePoints([linearR(), uniformR(), reinforce()], m);
    expect(points).toHaveLength(3 * (m + 1));
    const expected: Record<string, (rho: number) => [number, number]> = {
      'linear-r': (rho) => [(1 - rho) / rho, -1],
      'uniform-r': (rho) => [1 / rho, -1 / (1 - rho)],
      reinforce: () => [1, 0],
    };
    const bad = points.filter((p) => {
      const rho = p.successes / m;
      const [c, w] = expected[p.weighting]!(rho);
      // Endpoints: the weighting's own limits, h(1) for the correct (Uniform-R: 1, Linear-R: 0) and −h(0) for the wrong.
      const correct = p.successes === 0 ? null : p.successes === m ? (p.weighting === 'linear-r' ? 0 : 1) : c;
      const wrong = p.successes === m ? null : p.successes === 0 ? (p.weighting === 'reinforce' ? 0 : -1) : w;
      return p.rho !== rho || !close(p.correct, correct) || !close(p.wrong, wrong);
    });
    expect(bad).toEqual([]);
    expect(points[0]).toEqual({ weighting: 'linear-r', label: 'Linear-R', successes: 0, rho: 0, correct: null, wrong: -1 });
  });

  it('weightings silent at the endpoints get exactly +0 there', () => {
    const points = advantagePoints([grpo()], 16);
    expect(points[0]!.wrong).toBe(0);
    expect(Object.is(points[0]!.wrong, 0)).toBe(true);
    expect(points[16]!.correct).toBe(0);
    expect((points[0]!.wrong as number).toFixed(2)).toBe('0.00'); // not "-0.00" in a rendered table
  });

  it('rejects a group size below 2', () => {
    expect(() => advantagePoints([linearR()], 1)).toThrow(WeightsError);
  });
});
