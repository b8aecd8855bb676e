/**
 * Closed forms of budget and time-to-target for the weightings whose integrals have one
 * (research/paper.md §3.2, derived by hand and checked against quadrature in the tests).
 * They describe the population form (M → ∞, GRPO with ε = 0).
 */
import { logit, requireInterval } from './dynamics.js';

/** Budget and times in closed form. */
export interface ClosedForm {
  /** B = ∫ ω dρ. */
  budget: number;
  /** T in regular time. */
  regular: number;
  /** T in effective time. */
  effective: number;
}

type Interval = (rho0: number, target: number) => ClosedForm;

/** 2·arcsin √ρ: GRPO's surrogate objective (f' = 1/√(ρ(1−ρ))). */
export function arcsineSurrogate(rho: number): number {
  return 2 * Math.asin(Math.sqrt(rho));
}

/** log((1 − √(1−ρ))/(1 + √(1−ρ))): Sqrt-R's surrogate objective (f' = 1/(ρ√(1−ρ))). */
export function sqrtSurrogate(rho: number): number {
  const s = Math.sqrt(1 - rho);
  // 1 − √(1−ρ) written as ρ/(1 + √(1−ρ)) to keep precision for small ρ.
  return Math.log(rho / (1 + s) / (1 + s));
}

const constantOmega: Interval = (r0, r1) => ({
  budget: r1 - r0,
  regular: logit(r1) - logit(r0),
  effective: 1 / r0 - 1 / r1 + logit(r1) - logit(r0),
});

const linear: Interval = (r0, r1) => ({
  budget: Math.log(r1 / r0),
  regular: Math.log((1 - r0) / (1 - r1)),
  effective: logit(r1) - logit(r0),
});

const uniform: Interval = (r0, r1) => ({
  budget: logit(r1) - logit(r0),
  regular: r1 - r0,
  effective: Math.log(r1 / r0),
});

const CLOSED_FORMS: Record<string, Interval> = {
  rloo: constantOmega,
  'dr-grpo': constantOmega,
  reinforce: constantOmega,
  grpo: (r0, r1) => {
    const arc = arcsineSurrogate(r1) - arcsineSurrogate(r0);
    return { budget: arc, regular: arc, effective: 2 * (Math.sqrt((1 - r0) / r0) - Math.sqrt((1 - r1) / r1)) };
  },
  'linear-r': linear,
  'sqrt-r': (r0, r1) => {
    const g = sqrtSurrogate(r1) - sqrtSurrogate(r0);
    return { budget: g, regular: 2 * (Math.sqrt(1 - r0) - Math.sqrt(1 - r1)), effective: g };
  },
  'uniform-r': uniform,
};

/**
 * Budget and times in closed form for a built-in weighting name (population form), or `undefined`
 * when there is none (cost-aware, custom). Plateau-R takes its threshold τ: Uniform-R below τ,
 * Linear-R scaled by 1/(1−τ) above.
 */
export function closedForm(
  name: string,
  rho0: number,
  target: number,
  parameters: { threshold?: number } = {},
): ClosedForm | undefined {
  requireInterval(rho0, target);
  if (name === 'plateau-r') return plateau(rho0, target, parameters.threshold ?? 0.5);
  return CLOSED_FORMS[name]?.(rho0, target);
}

function plateau(r0: number, r1: number, tau: number): ClosedForm {
  const flat = r0 < tau ? uniform(r0, Math.min(r1, tau)) : { budget: 0, regular: 0, effective: 0 };
  const decay = r1 > tau ? linear(Math.max(r0, tau), r1) : { budget: 0, regular: 0, effective: 0 };
  const scale = 1 - tau; // h = (1−ρ)/(1−τ) above τ: ω grows by 1/(1−τ), times shrink by (1−τ).
  return {
    budget: flat.budget + decay.budget / scale,
    regular: flat.regular + decay.regular * scale,
    effective: flat.effective + decay.effective * scale,
  };
}

/** Closed-form lower bound of B·T: (Δ 2 arcsin √ρ)² on the regular clock, (Δ sqrtSurrogate)² on the effective one. */
export function closedFormLowerBound(rho0: number, target: number, clock: 'regular' | 'effective'): number {
  requireInterval(rho0, target);
  const delta =
    clock === 'regular'
      ? arcsineSurrogate(target) - arcsineSurrogate(rho0)
      : sqrtSurrogate(target) - sqrtSurrogate(rho0);
  return delta * delta;
}
