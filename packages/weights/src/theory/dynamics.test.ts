import { fromEffectiveWeight, type Weighting } from '../weighting.js';
import { grpo, linearR, plateauR, rloo, sqrtR, uniformR } from '../weightings.js';
import { closedForm, closedFormLowerBound } from './closed-forms.js';
import { EFFECTIVE_CLOCK, costClock } from './clocks.js';
import { costLowerBound, logit, sigmoid, theoryRow, timeToTarget, trajectory, updateBudget } from './dynamics.js';
import { expectWeightsError } from '../testing/expect-weights-error.js';

function maxAbsoluteDifference(actual: Float64Array, expected: (i: number) => number): number {
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected(i)));
  return worst;
}

describe('logit and sigmoid', () => {
  it('are inverse to each other and stay finite in the tails', () => {
    for (const rho of [1e-12, 0.025, 0.5, 0.8, 1 - 1e-9]) {
      // One logit and one sigmoid: a few ulps of ρ, relative.
      expect(Math.abs(sigmoid(logit(rho)) - rho) / rho).toBeLessThan(1e-9);
    }
    expect(logit(0.5)).toBe(0);
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(-800)).toBe(0); // e^-800 underflows; the stable branch gives 0, not NaN
    expect(sigmoid(800)).toBe(1);
    expect(sigmoid(-30)).toBeCloseTo(Math.exp(-30), 25);
  });
});

describe('trajectory against the analytic solutions of dρ/dt = h(ρ)/c(ρ)', () => {
  // RK4 with 50 substeps per sample: the global error is O(Δt⁴), far below 1e-9 for these smooth fields.
  const RK4_ABSOLUTE = 1e-9;

  it('Linear-R in regular time: ρ(t) = 1 − (1 − ρ₀)e^{−t}', () => {
    const rho0 = 0.025;
    const { time, rho } = trajectory(linearR(), rho0, { duration: 5 });
    expect(time).toHaveLength(101);
    expect(time[0]).toBe(0);
    expect(time[100]).toBe(5);
    expect(maxAbsoluteDifference(rho, (i) => 1 - (1 - rho0) * Math.exp(-time[i]!))).toBeLessThan(RK4_ABSOLUTE);
  });

  it('Uniform-R in regular time: ρ(t) = ρ₀ + t', () => {
    const rho0 = 0.1;
    const { time, rho } = trajectory(uniformR(), rho0, { duration: 0.85, points: 18 });
    expect(rho).toHaveLength(18);
    expect(maxAbsoluteDifference(rho, (i) => rho0 + time[i]!)).toBeLessThan(RK4_ABSOLUTE);
  });

  it('Sqrt-R in regular time: √(1 − ρ(t)) = √(1 − ρ₀) − t/2', () => {
    const rho0 = 0.05;
    const { time, rho } = trajectory(sqrtR(), rho0, { duration: 1.5 });
    expect(maxAbsoluteDifference(rho, (i) => 1 - (Math.sqrt(1 - rho0) - time[i]! / 2) ** 2)).toBeLessThan(RK4_ABSOLUTE);
  });

  it('GRPO (ε = 0) in regular time: 2 arcsin √ρ(t) = 2 arcsin √ρ₀ + t', () => {
    // dρ/dt = √(ρ(1−ρ)) ⇔ d(2 arcsin √ρ)/dt = 1.
    const rho0 = 0.025;
    const { time, rho } = trajectory(grpo({ std: 'population', epsilon: 0 }), rho0, { duration: 2 });
    expect(maxAbsoluteDifference(rho, (i) => Math.sin(Math.asin(Math.sqrt(rho0)) + time[i]! / 2) ** 2)).toBeLessThan(RK4_ABSOLUTE);
  });

  it('effective time, dρ/dτ = ρ·h(ρ): Linear-R is logistic, Uniform-R exponential', () => {
    const rho0 = 0.025;
    const linear = trajectory(linearR(), rho0, { duration: 6, clock: 'effective' });
    // dρ/dτ = ρ(1−ρ): the log-odds grow at rate 1.
    expect(maxAbsoluteDifference(linear.rho, (i) => 1 / (1 + ((1 - rho0) / rho0) * Math.exp(-linear.time[i]!)))).toBeLessThan(RK4_ABSOLUTE);
    const uniform = trajectory(uniformR(), rho0, { duration: 3, clock: EFFECTIVE_CLOCK });
    // dρ/dτ = ρ: ρ₀e^τ, while it stays below 1 (e³·0.025 ≈ 0.50).
    expect(maxAbsoluteDifference(uniform.rho, (i) => rho0 * Math.exp(uniform.time[i]!))).toBeLessThan(RK4_ABSOLUTE);
  });

  it('a weighting silent at the endpoints stays put at the limits and never leaves (0, 1)', () => {
    const { rho } = trajectory(rloo(), 0.5, { duration: 1000 });
    expect(rho.every((r) => r > 0 && r <= 1)).toBe(true);
    for (let i = 1; i < rho.length; i++) expect(rho[i]!).toBeGreaterThanOrEqual(rho[i - 1]!);
  });
});

describe('trajectory and timeToTarget agree: the trajectory reaches the target at T', () => {
  const cases: [Weighting, number, number][] = [
    [grpo({ std: 'population', epsilon: 0 }), 0.025, 0.8],
    [grpo(), 0.01, 0.9],
    [rloo(), 0.1, 0.8],
    [linearR(), 0.025, 0.8],
    [sqrtR(), 0.025, 0.95],
    [uniformR(), 0.3, 0.9],
    [plateauR(), 0.025, 0.8],
    [plateauR({ threshold: 0.3 }), 0.4, 0.9],
    [fromEffectiveWeight((rho) => Math.sqrt((rho + 1) * (1 - rho)), { name: 'custom' }), 0.02, 0.7],
  ];

  it.each(cases.map(([w, r0, r1]) => [`${w.name} ${JSON.stringify(w.parameters)} ${r0} → ${r1}`, w, r0, r1] as const))('%s', (_title, w, r0, r1) => {
    for (const clock of ['regular', 'effective', costClock(2, 0.5)] as const) {
      const duration = timeToTarget(w, r0, r1, clock);
      const { rho } = trajectory(w, r0, { duration, clock, points: 5, substeps: 500 });
      // Quadrature (1e-12) and RK4 with 2000 steps (smooth: ~1e-12; across Plateau-R's kink: O(Δt²) ≈ 1e-7)
      // must land on the same ρ: 1e-6 absolute.
      expect(Math.abs(rho[4]! - r1)).toBeLessThan(1e-6);
      // …and not before: at 3/4 of T it is still below the target.
      expect(rho[3]!).toBeLessThan(r1);
    }
  });
});

describe('timeToTarget, updateBudget, theoryRow', () => {
  it('time on the effective clock is ∫ dρ/(ρh): the custom clock c = 1/ρ gives the same number', () => {
    const sameAsEffective = costClock(0, 1);
    const regularLike = costClock(3, 0);
    for (const w of [linearR(), plateauR({ threshold: 0.4 })]) {
      // Same integrand up to rounding: 1e-12 relative.
      expect(Math.abs(timeToTarget(w, 0.05, 0.9, sameAsEffective) / timeToTarget(w, 0.05, 0.9, 'effective') - 1)).toBeLessThan(1e-12);
      expect(Math.abs(timeToTarget(w, 0.05, 0.9, regularLike) / (3 * timeToTarget(w, 0.05, 0.9)) - 1)).toBeLessThan(1e-12);
    }
  });

  it('is Infinity when h vanishes on the way, and finite up to where it vanishes', () => {
    const stalls = fromEffectiveWeight((rho) => Math.max(0, 0.5 - rho), { name: 'stalls', breakpoints: [0.5] });
    expect(timeToTarget(stalls, 0.1, 0.8)).toBe(Infinity);
    expect(timeToTarget(stalls, 0.1, 0.8, 'effective')).toBe(Infinity);
    // Below 0.5: T = ∫ dρ/(0.5 − ρ) = log(0.4/0.2).
    expect(Math.abs(timeToTarget(stalls, 0.1, 0.3) - Math.log(2))).toBeLessThan(1e-10);
    expect(Number.isFinite(updateBudget(stalls, 0.1, 0.8))).toBe(true);
  });

  it('theoryRow puts the pieces together and divides by the bounds', () => {
    const row = theoryRow(sqrtR(), 0.05, 0.9);
    const closed = closedForm('sqrt-r', 0.05, 0.9)!;
    // All by quadrature at 1e-12 relative; 1e-9 leaves margin.
    expect(Math.abs(row.budget / closed.budget - 1)).toBeLessThan(1e-9);
    expect(Math.abs(row.regularRatio - (closed.budget * closed.regular) / closedFormLowerBound(0.05, 0.9, 'regular'))).toBeLessThan(1e-9);
    expect(Math.abs(row.effectiveRatio - 1)).toBeLessThan(1e-9);
  });
});

describe('bad input', () => {
  const w = linearR();

  it('ρ₀ ≥ target, or either outside (0, 1)', () => {
    for (const fn of [
      (r0: number, r1: number) => timeToTarget(w, r0, r1),
      (r0: number, r1: number) => timeToTarget(w, r0, r1, 'effective'),
      (r0: number, r1: number) => updateBudget(w, r0, r1),
      (r0: number, r1: number) => theoryRow(w, r0, r1),
      (r0: number, r1: number) => costLowerBound(r0, r1),
      (r0: number, r1: number) => closedForm('linear-r', r0, r1),
      (r0: number, r1: number) => closedFormLowerBound(r0, r1, 'regular'),
    ]) {
      expectWeightsError(() => fn(0.5, 0.5), 'target');
      expectWeightsError(() => fn(0.8, 0.2), 'target');
      expectWeightsError(() => fn(0, 0.5), 'rho0');
      expectWeightsError(() => fn(-0.1, 0.5), 'rho0');
      expectWeightsError(() => fn(NaN, 0.5), 'rho0');
      expectWeightsError(() => fn(0.2, 1), 'target');
      expectWeightsError(() => fn(0.2, 1.5), 'target');
    }
  });

  it('trajectory: ρ₀, duration, points, substeps, clock', () => {
    for (const rho0 of [0, 1, -1, NaN]) expectWeightsError(() => trajectory(w, rho0, { duration: 1 }), 'rho0');
    for (const duration of [0, -1, NaN, Infinity]) expectWeightsError(() => trajectory(w, 0.1, { duration }), 'duration');
    for (const points of [1, 0, 2.5]) expectWeightsError(() => trajectory(w, 0.1, { duration: 1, points }), 'points');
    for (const substeps of [0, -1, 2.5, NaN]) expectWeightsError(() => trajectory(w, 0.1, { duration: 1, substeps }), 'substeps');
    expectWeightsError(() => trajectory(w, 0.1, { duration: 1, clock: 'wall' as 'regular' }), 'clock');
    expectWeightsError(() => timeToTarget(w, 0.1, 0.5, 'wall' as 'regular'), 'clock');
  });
});
