/**
 * Policy dynamics under a weighting (research/paper.md §3.2). A KL-proximal step with population
 * advantage r − ρ moves the log-odds by exactly ω(ρ), so in continuous time dρ/dt = ω ρ(1−ρ) = h(ρ).
 * All integrals are taken in the log-odds variable u = log(ρ/(1−ρ)) (dρ = ρ(1−ρ) du), where the
 * integrands stay smooth even for ρ₀ close to 0.
 */
import { WeightsError, requireInteger, requireOpenUnit } from '../errors.js';
import type { Weighting } from '../weighting.js';
import { type Clock, resolveClock } from './clocks.js';
import { integrate } from './quadrature.js';

/** The population limit: infinitely many responses per prompt (RLOO's M/(M−1) → 1, GRPO's Bessel factor → 1). */
const POPULATION = Infinity;

/** log(ρ/(1−ρ)). */
export function logit(rho: number): number {
  return Math.log(rho / (1 - rho));
}

/** 1/(1 + e^−u), the inverse of {@link logit}. */
export function sigmoid(u: number): number {
  return u >= 0 ? 1 / (1 + Math.exp(-u)) : Math.exp(u) / (1 + Math.exp(u));
}

/** Checks 0 < ρ₀ < ρ* < 1 and names the argument at fault. */
export function requireInterval(rho0: number, target: number): void {
  requireOpenUnit('rho0', rho0);
  requireOpenUnit('target', target);
  if (!(rho0 < target)) throw new WeightsError('target', `expected a target above rho0 = ${rho0}, got ${target}`);
}

function logOddsIntegral(
  weighting: Weighting,
  rho0: number,
  target: number,
  integrand: (rho: number) => number,
): number {
  requireInterval(rho0, target);
  const breakpoints = weighting.breakpoints.filter((x) => x > 0 && x < 1).map(logit);
  return integrate((u) => integrand(sigmoid(u)), logit(rho0), logit(target), { breakpoints });
}

/**
 * Time to raise ρ from ρ₀ to the target: T = ∫ c(ρ)/h(ρ) dρ on the given clock (regular by default).
 * `Infinity` if h vanishes on the way.
 */
export function timeToTarget(
  weighting: Weighting,
  rho0: number,
  target: number,
  clock: Clock | 'regular' | 'effective' = 'regular',
): number {
  const c = resolveClock(clock);
  return logOddsIntegral(
    weighting,
    rho0,
    target,
    (rho) => (c.cost(rho) * rho * (1 - rho)) / weighting.effectiveWeight(rho, POPULATION),
  );
}

/**
 * The update budget B = ∫ ω dρ from ρ₀ to the target: the path energy ∫ ω²ρ(1−ρ) dt of the
 * KL-proximal steps, equal to the gain in the weighting's surrogate objective f (f' = ω).
 */
export function updateBudget(weighting: Weighting, rho0: number, target: number): number {
  return logOddsIntegral(weighting, rho0, target, (rho) => weighting.effectiveWeight(rho, POPULATION));
}

/**
 * Cauchy–Schwarz lower bound of B·T on a clock: (∫ √(c(ρ)/(ρ(1−ρ))) dρ)². Met with equality exactly
 * by h ∝ √(c ρ(1−ρ)) ({@link optimalWeighting}).
 */
export function costLowerBound(
  rho0: number,
  target: number,
  clock: Clock | 'regular' | 'effective' = 'regular',
): number {
  const c = resolveClock(clock);
  requireInterval(rho0, target);
  const root = integrate(
    (u) => {
      const rho = sigmoid(u);
      return Math.sqrt(c.cost(rho) * rho * (1 - rho));
    },
    logit(rho0),
    logit(target),
  );
  return root * root;
}

/** One weighting's numbers on the way from ρ₀ to the target (the `rlvr theory` table). */
export interface TheoryRow {
  /** B = ∫ ω dρ. */
  budget: number;
  /** T in regular time. */
  regular: number;
  /** T in effective time. */
  effective: number;
  /** B·T_regular, the normalised cost at equal budget. */
  regularCost: number;
  /** B·T_effective. */
  effectiveCost: number;
  /** regularCost divided by its lower bound (1 = optimal). */
  regularRatio: number;
  /** effectiveCost divided by its lower bound. */
  effectiveRatio: number;
}

/** Budget, times, normalised costs and their ratios to the lower bounds, for one weighting. */
export function theoryRow(weighting: Weighting, rho0: number, target: number): TheoryRow {
  const budget = updateBudget(weighting, rho0, target);
  const regular = timeToTarget(weighting, rho0, target, 'regular');
  const effective = timeToTarget(weighting, rho0, target, 'effective');
  return {
    budget,
    regular,
    effective,
    regularCost: budget * regular,
    effectiveCost: budget * effective,
    regularRatio: (budget * regular) / costLowerBound(rho0, target, 'regular'),
    effectiveRatio: (budget * effective) / costLowerBound(rho0, target, 'effective'),
  };
}

/** Options of {@link trajectory}. */
export interface TrajectoryOptions {
  /** The clock the time axis counts; default regular. */
  clock?: Clock | 'regular' | 'effective';
  /** Length of the time axis. */
  duration: number;
  /** Number of samples on the axis, including t = 0; default 101. */
  points?: number;
  /** RK4 steps between two samples; default 50. */
  substeps?: number;
}

/** ρ(t) on a uniform time grid. */
export interface Trajectory {
  /** Time of each sample on the chosen clock. */
  time: Float64Array;
  /** Success probability at that time. */
  rho: Float64Array;
}

/**
 * Solve dρ/dt = h(ρ)/c(ρ) from ρ₀ (4th-order Runge–Kutta in log-odds, du/dt = ω(ρ)/c(ρ)).
 */
export function trajectory(weighting: Weighting, rho0: number, options: TrajectoryOptions): Trajectory {
  requireOpenUnit('rho0', rho0);
  const c = resolveClock(options.clock ?? 'regular');
  const points = options.points ?? 101;
  const substeps = options.substeps ?? 50;
  if (!(options.duration > 0 && Number.isFinite(options.duration))) {
    throw new WeightsError('duration', `expected a positive finite duration, got ${options.duration}`);
  }
  if (!(Number.isInteger(points) && points >= 2)) {
    throw new WeightsError('points', `expected an integer ≥ 2, got ${points}`);
  }
  // 0, a fraction or NaN would silently skip or misplace RK4 steps (ρ frozen or the wrong time axis).
  requireInteger('substeps', substeps, 1);
  const speed = (u: number): number => {
    const rho = sigmoid(u);
    const variance = rho * (1 - rho);
    // Where ρ(1−ρ) underflows the policy has converged to 0 or 1 and stops moving.
    return variance > 0 ? weighting.effectiveWeight(rho, POPULATION) / (variance * c.cost(rho)) : 0;
  };
  const time = new Float64Array(points);
  const rho = new Float64Array(points);
  const dt = options.duration / (points - 1) / substeps;
  let u = logit(rho0);
  rho[0] = rho0;
  for (let p = 1; p < points; p++) {
    for (let s = 0; s < substeps; s++) {
      const k1 = speed(u);
      const k2 = speed(u + 0.5 * dt * k1);
      const k3 = speed(u + 0.5 * dt * k2);
      const k4 = speed(u + dt * k3);
      u += (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    time[p] = (p * options.duration) / (points - 1);
    rho[p] = sigmoid(u);
  }
  return { time, rho };
}
