import { WeightsError } from './errors.js';

/**
 * Where a weighting's exact form comes from: stated by the paper's public record (`confirmed`),
 * reconstructed from its names and claims (`inferred`, see research notes), a standard algorithm
 * the paper compares against (`baseline`), or defined by a user (`custom`).
 */
export type Provenance = 'confirmed' | 'inferred' | 'baseline' | 'custom';

/**
 * Which rewards a weighting accepts: `unit` weightings read the group's mean reward as a success
 * rate and need rewards in [0, 1]; `real` ones (mean/std normalisation) accept any finite reward.
 */
export type RewardDomain = 'unit' | 'real';

/**
 * A prompt weighting: the rule ω that turns a group's rewards into advantages
 * A_i = ω · (r_i − mean). For binary rewards it is fixed by its effective weight
 * h(ρ) = ω(ρ)·ρ(1−ρ), the speed at which it moves the success rate ρ.
 */
export interface Weighting {
  /** Stable identifier used in configs and on the command line, e.g. `"linear-r"`. */
  readonly name: string;
  /** Display name, e.g. `"Linear-R"`. */
  readonly label: string;
  /** Whether the form is confirmed by the paper or inferred. */
  readonly provenance: Provenance;
  /** One sentence on where the form comes from. */
  readonly note: string;
  /** True when h(ρ) = h(1−ρ) on [0, 1] (M → ∞): the paper's symmetric weightings (GRPO, RLOO, Uniform-R). */
  readonly mirrorSymmetric: boolean;
  /** True when h(0) = h(1) = 0: groups that are all wrong or all right give no gradient. */
  readonly silentAtEndpoints: boolean;
  /** True for A_i = ω·(r_i − mean); false for REINFORCE without baseline (A_i = r_i). */
  readonly centred: boolean;
  /** Which rewards the weighting accepts. */
  readonly rewardDomain: RewardDomain;
  /** The parameters it was built with (for logs and configs). */
  readonly parameters: Readonly<Record<string, number | string>>;
  /** Points in (0, 1) where h has a kink; quadrature splits there. */
  readonly breakpoints: readonly number[];
  /** Effective weight h(ρ) for binary rewards; exact and finite on all of [0, 1]. */
  effectiveWeight(rho: number, groupSize?: number): number;
  /**
   * Prompt weight ω(ρ) = h(ρ)/(ρ(1−ρ)) for binary rewards. At ρ = 0 and 1, where r − ρ̂ = 0 for every
   * response and ω multiplies nothing, the convention is `Infinity` when h > 0 there and 0 when h = 0.
   */
  omega(rho: number, groupSize?: number): number;
  /**
   * ω for one group of general rewards, given their mean and population variance. Only called for
   * groups whose rewards are not all equal (variance > 0, so a `unit` group has 0 < mean < 1).
   */
  groupOmega(mean: number, variance: number, groupSize: number): number;
}

/** Metadata shared by every weighting constructor. */
export interface WeightingInfo {
  /** Stable identifier. */
  name: string;
  /** Display name; defaults to `name`. */
  label?: string;
  /** Defaults to `custom`. */
  provenance?: Provenance;
  /** Defaults to an empty string. */
  note?: string;
  /** Parameters to record. */
  parameters?: Record<string, number | string>;
  /** Kinks of h in (0, 1). */
  breakpoints?: number[];
}

/**
 * Define a weighting by its effective weight h(ρ) on [0, 1] (finite, ≥ 0). Its prompt weight is
 * ω = h/(ρ(1−ρ)); at ρ̂ = 0 every response gets advantage −h(0) and at ρ̂ = 1 every response gets
 * h(1). Rewards must lie in [0, 1] (ρ̂ is the group's mean reward).
 */
export function fromEffectiveWeight(h: (rho: number) => number, info: WeightingInfo): Weighting {
  for (const rho of [0, 0.25, 0.5, 0.75, 1]) {
    const value = h(rho);
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new WeightsError('h', `the effective weight must be finite and ≥ 0 on [0, 1]; h(${rho}) = ${value}`);
    }
  }
  const omega = (rho: number): number => {
    const variance = rho * (1 - rho);
    return variance > 0 ? h(rho) / variance : h(rho) > 0 ? Infinity : 0;
  };
  return {
    ...describe(info),
    mirrorSymmetric: isMirrorSymmetric(h, info.breakpoints ?? []),
    silentAtEndpoints: h(0) === 0 && h(1) === 0,
    centred: true,
    rewardDomain: 'unit',
    effectiveWeight: (rho) => h(rho),
    omega,
    groupOmega: (mean) => h(mean) / (mean * (1 - mean)),
  };
}

/**
 * Define a mean-baselined weighting by its group scale ω(mean, variance, M), e.g. GRPO's 1/(std + ε).
 * ω must be finite for every group; zero-variance groups get no gradient (h(0) = h(1) = 0). It is
 * mirror symmetric when ω(ρ) = ω(1−ρ), e.g. a scale of the variance alone. Any finite rewards are accepted.
 */
export function fromGroupScale(
  scale: (mean: number, variance: number, groupSize: number) => number,
  info: WeightingInfo,
): Weighting {
  const omega = (rho: number, groupSize = Infinity): number => scale(rho, rho * (1 - rho), groupSize);
  // The endpoints are exact zeros: there r − ρ̂ = 0 for every response, whatever ω is there.
  const effectiveWeight = (rho: number, groupSize = Infinity): number =>
    rho <= 0 || rho >= 1 ? 0 : omega(rho, groupSize) * rho * (1 - rho);
  return {
    ...describe(info),
    mirrorSymmetric: isMirrorSymmetric(effectiveWeight, info.breakpoints ?? []),
    silentAtEndpoints: true,
    centred: true,
    rewardDomain: 'real',
    effectiveWeight,
    omega,
    groupOmega: scale,
  };
}

/** Advantages of a correct and of a wrong response at success rate ρ; `null` where no such response exists. */
export interface ResponseAdvantages {
  /** Advantage of a correct response (reward 1); `null` at ρ = 0. */
  correct: number | null;
  /** Advantage of a wrong response (reward 0); `null` at ρ = 1. */
  wrong: number | null;
}

/**
 * Advantages that `weighting` gives a correct and a wrong response in a binary group with success
 * rate ρ: A_correct = h(ρ)/ρ, A_wrong = −h(ρ)/(1−ρ), with the exact limits at ρ = 0 and 1.
 */
export function responseAdvantages(weighting: Weighting, rho: number, groupSize = Infinity): ResponseAdvantages {
  if (!(rho >= 0 && rho <= 1)) throw new WeightsError('rho', `expected a success rate in [0, 1], got ${rho}`);
  if (!weighting.centred) return { correct: rho > 0 ? 1 : null, wrong: rho < 1 ? 0 : null };
  const h = weighting.effectiveWeight(rho, groupSize);
  return {
    correct: rho > 0 ? h / rho : null,
    // `0 - h` rather than `-h`: where h(0) = 0 the limit at ρ = 0 is +0, never −0 (as in groupAdvantages).
    wrong: rho < 1 ? (0 - h) / (1 - rho) : null,
  };
}

/** Points of [0, 1] where mirror symmetry is checked: a dyadic grid (exact mirrors), a few irrational points. */
const MIRROR_GRID: readonly number[] = [
  ...Array.from({ length: 129 }, (_, k) => k / 128),
  ...[Math.SQRT1_2, Math.PI / 10, Math.E / 9, 1 / 3, 0.1, 0.3, 0.01, 0.001].flatMap((x) => [x, 1 - x]),
];

/** Tolerance of the mirror test, relative to the larger of h(ρ) and h(1−ρ) (rounding in 1 − ρ only). */
const MIRROR_TOLERANCE = 1e-9;

/**
 * Whether h(ρ) = h(1−ρ) on [0, 1] at the infinite-group limit, checked on a fixed grid plus each
 * breakpoint and its mirror, where a piecewise h would first break the symmetry.
 */
export function isMirrorSymmetric(
  h: (rho: number, groupSize?: number) => number,
  breakpoints: readonly number[] = [],
): boolean {
  for (const rho of [...MIRROR_GRID, ...breakpoints, ...breakpoints.map((b) => 1 - b)]) {
    const left = h(rho, Infinity);
    const right = h(1 - rho, Infinity);
    if (!(Math.abs(left - right) <= MIRROR_TOLERANCE * Math.max(Math.abs(left), Math.abs(right)))) return false;
  }
  return true;
}

function describe(info: WeightingInfo) {
  return {
    name: info.name,
    label: info.label ?? info.name,
    provenance: info.provenance ?? 'custom',
    note: info.note ?? '',
    parameters: Object.freeze({ ...(info.parameters ?? {}) }),
    breakpoints: Object.freeze([...(info.breakpoints ?? [])]),
  } as const;
}
