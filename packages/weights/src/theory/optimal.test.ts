import { WeightsError } from '../errors.js';
import { costAware, grpo, linearR, plateauR, rloo, sqrtR, uniformR } from '../weightings.js';
import { EFFECTIVE_CLOCK, REGULAR_CLOCK, costClock, resolveClock } from './clocks.js';
import { costLowerBound, theoryRow, timeToTarget, updateBudget } from './dynamics.js';
import { optimalWeighting } from './optimal.js';

const INTERVALS: [number, number][] = [
  [0.025, 0.8],
  [0.01, 0.8],
  [0.38, 0.8],
  [0.2, 0.99],
];

describe('optimalWeighting', () => {
  it('refuses a clock whose cost grows faster than 1/ρ (no finite optimum at ρ = 0), naming the clock', () => {
    const steep = { name: 'quadratic', cost: (rho: number) => 1 / (rho * rho) };
    expect(() => optimalWeighting(steep)).toThrow(WeightsError);
    expect(() => optimalWeighting(steep)).toThrow(/^clock: .*quadratic/);
  });

  it("'regular' is GRPO's shape 2√(ρ(1−ρ)) (peak 1) and meets the regular bound to 1e-6", () => {
    const w = optimalWeighting('regular');
    for (const rho of [0, 0.1, 0.5, 0.9, 1]) {
      // One sqrt and a scale found on a grid that contains 0.5 exactly: a few ulps.
      expect(Math.abs(w.effectiveWeight(rho) - 2 * Math.sqrt(rho * (1 - rho)))).toBeLessThan(1e-15);
    }
    expect([w.mirrorSymmetric, w.silentAtEndpoints]).toEqual([true, true]);
    for (const [r0, r1] of INTERVALS) expect(Math.abs(theoryRow(w, r0, r1).regularRatio - 1)).toBeLessThan(1e-6);
  });

  it("'effective' is Sqrt-R's shape √(1−ρ), h(0) = 1, and meets the effective bound to 1e-6", () => {
    const w = optimalWeighting('effective');
    for (const rho of [0, 0.1, 0.5, 0.9, 1]) expect(Math.abs(w.effectiveWeight(rho) - Math.sqrt(1 - rho))).toBeLessThan(1e-15);
    expect([w.mirrorSymmetric, w.silentAtEndpoints]).toEqual([false, false]);
    for (const [r0, r1] of INTERVALS) expect(Math.abs(theoryRow(w, r0, r1).effectiveRatio - 1)).toBeLessThan(1e-6);
  });

  it('any clock object: meets its own bound', () => {
    for (const clock of [costClock(1, 1), costClock(4, 0.25), { name: 'custom', cost: (rho: number) => 1 / rho + 4 * rho * rho }]) {
      const w = optimalWeighting(clock);
      expect(w.name).toBe(`optimal-${clock.name}`);
      for (const [r0, r1] of INTERVALS) {
        const ratio = (updateBudget(w, r0, r1) * timeToTarget(w, r0, r1, clock)) / costLowerBound(r0, r1, clock);
        expect(Math.abs(ratio - 1)).toBeLessThan(1e-6);
      }
    }
  });

  it('refuses a clock whose optimal h is unbounded at ρ = 0 (c·ρ → ∞) rather than return a NaN weighting', () => {
    expect(() => optimalWeighting({ name: 'steep', cost: (rho) => 1 + 1 / (rho * rho) })).toThrow(WeightsError);
  });

  it('every built-in is at or above the bound on both clocks, and the optimum beats each of them', () => {
    const others = [grpo(), rloo(), linearR(), sqrtR(), uniformR(), plateauR(), costAware()];
    const regular = optimalWeighting('regular');
    const effective = optimalWeighting('effective');
    const off: string[] = [];
    for (const [r0, r1] of INTERVALS) {
      const bestRegular = theoryRow(regular, r0, r1).regularCost;
      const bestEffective = theoryRow(effective, r0, r1).effectiveCost;
      for (const w of others) {
        const row = theoryRow(w, r0, r1);
        // Equality only for the optimal shape (GRPO with ε = 1e-6 is 1e-6-close); quadrature is good to 1e-12.
        if (!(row.regularCost >= bestRegular * (1 - 1e-9))) off.push(`${w.name} regular ${r0}`);
        if (!(row.effectiveCost >= bestEffective * (1 - 1e-9))) off.push(`${w.name} effective ${r0}`);
      }
    }
    expect(off).toEqual([]);
  });
});

describe('cost-aware weighting', () => {
  it('meets the bound of its own clock c = a + b/ρ (and the other weightings do not)', () => {
    for (const [a, b] of [
      [1, 1],
      [10, 1],
      [1, 10],
      [0.3, 0.05],
    ] as const) {
      const clock = costClock(a, b);
      const w = costAware({ a, b });
      for (const [r0, r1] of INTERVALS) {
        const bound = costLowerBound(r0, r1, clock);
        const cost = (x: typeof w): number => updateBudget(x, r0, r1) * timeToTarget(x, r0, r1, clock);
        // Both sides by quadrature at 1e-12: 1e-9 relative.
        expect(Math.abs(cost(w) / bound - 1)).toBeLessThan(1e-9);
        for (const other of [grpo({ std: 'population', epsilon: 0 }), sqrtR(), linearR()]) expect(cost(other) / bound).toBeGreaterThan(1 + 1e-6);
      }
    }
  });

  it('b = 0 is GRPO’s shape √(ρ(1−ρ)); a = 0 is Sqrt-R', () => {
    const noResponseCost = costAware({ a: 1, b: 0 });
    const noUpdateCost = costAware({ a: 0, b: 1 });
    for (const rho of [0, 0.01, 0.3, 0.5, 0.77, 0.99, 1]) {
      // Same expression up to operation order: a few ulps.
      expect(Math.abs(noResponseCost.effectiveWeight(rho) - Math.sqrt(rho * (1 - rho)))).toBeLessThan(1e-15);
      expect(noUpdateCost.effectiveWeight(rho)).toBe(sqrtR().effectiveWeight(rho));
    }
    // And their costs: GRPO's on the regular clock, Sqrt-R's on the effective one.
    const closeTo = (x: number, y: number): boolean => Math.abs(x / y - 1) < 1e-9;
    expect(closeTo(theoryRow(noResponseCost, 0.025, 0.8).regularRatio, 1)).toBe(true);
    expect(closeTo(theoryRow(noUpdateCost, 0.025, 0.8).effectiveRatio, 1)).toBe(true);
  });

  it('interpolates between the two optima: its regular and effective ratios lie between theirs', () => {
    const grpoRow = theoryRow(grpo({ std: 'population', epsilon: 0 }), 0.025, 0.8);
    const sqrtRow = theoryRow(sqrtR(), 0.025, 0.8);
    const row = theoryRow(costAware({ a: 1, b: 1 }), 0.025, 0.8);
    expect(row.regularRatio).toBeGreaterThan(grpoRow.regularRatio);
    expect(row.regularRatio).toBeLessThan(sqrtRow.regularRatio);
    expect(row.effectiveRatio).toBeGreaterThan(sqrtRow.effectiveRatio);
    expect(row.effectiveRatio).toBeLessThan(grpoRow.effectiveRatio);
  });
});

describe('clocks', () => {
  it('regular costs 1, effective 1/ρ, cost(a, b) a + b/ρ (and exactly a at ρ = 0 when b = 0)', () => {
    expect(REGULAR_CLOCK.cost(0.3)).toBe(1);
    expect(EFFECTIVE_CLOCK.cost(0.25)).toBe(4);
    expect(costClock(2, 3).cost(0.5)).toBe(8);
    expect(costClock(2, 0).cost(0)).toBe(2);
    expect(costClock(2, 3).name).toBe('cost(a=2,b=3)');
    expect(resolveClock('regular')).toBe(REGULAR_CLOCK);
    expect(resolveClock('effective')).toBe(EFFECTIVE_CLOCK);
    const custom = costClock(1, 1);
    expect(resolveClock(custom)).toBe(custom);
  });

  it('reject bad costs and unknown clocks', () => {
    for (const [a, b] of [
      [-1, 1],
      [1, -1],
      [0, 0],
      [NaN, 1],
      [Infinity, 1],
    ] as const) {
      expect(() => costClock(a, b)).toThrow(WeightsError);
      expect(() => costClock(a, b)).toThrow(/^clock: /);
    }
    expect(() => resolveClock('wall' as 'regular')).toThrow(/^clock: expected "regular", "effective" or a Clock/);
    expect(() => optimalWeighting({ name: 'x' } as unknown as 'regular')).toThrow(WeightsError);
  });
});
