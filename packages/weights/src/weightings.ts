import { WeightsError, requireFinite } from './errors.js';
import { fromEffectiveWeight, fromGroupScale, type Weighting } from './weighting.js';

/** Names of the built-in weightings, as used in configs and on the command line. */
export const WEIGHTING_NAMES = [
  'grpo',
  'rloo',
  'dr-grpo',
  'reinforce',
  'linear-r',
  'sqrt-r',
  'uniform-r',
  'plateau-r',
  'cost-aware',
] as const;

/** A built-in weighting's name. */
export type WeightingName = (typeof WEIGHTING_NAMES)[number];

/** Which standard deviation GRPO divides by. */
export type StdConvention = 'sample' | 'population';

/** Options of {@link grpo}. */
export interface GrpoOptions {
  /**
   * `sample` (Bessel-corrected, torch.std's default, as in TRL and verl) or `population` (the
   * paper's σ̂ = √(ρ̂(1−ρ̂))). Default `sample`, so that numbers match the frameworks users come from.
   */
  std?: StdConvention;
  /** Added to the std before dividing; default 1e-6 as in verl, which keeps ω finite on zero-variance groups. */
  epsilon?: number;
}

/** GRPO: A_i = (r_i − mean)/(std + ε); ω ≈ 1/√(ρ(1−ρ)), the optimum in regular time. Symmetric, silent at ρ̂ = 0, 1. */
export function grpo(options: GrpoOptions = {}): Weighting {
  const std = options.std ?? 'sample';
  const epsilon = options.epsilon ?? 1e-6;
  if (std !== 'sample' && std !== 'population') {
    throw new WeightsError('std', `expected "sample" or "population", got ${JSON.stringify(std)}`);
  }
  requireFinite('epsilon', epsilon);
  if (epsilon < 0) throw new WeightsError('epsilon', `expected ε ≥ 0, got ${epsilon}`);
  return fromGroupScale(
    (_mean, variance, groupSize) => {
      const bessel = std === 'sample' && Number.isFinite(groupSize) ? groupSize / (groupSize - 1) : 1;
      return 1 / (Math.sqrt(variance * bessel) + epsilon);
    },
    {
      name: 'grpo',
      label: 'GRPO',
      provenance: 'confirmed',
      note: 'ω ∝ 1/√(ρ(1−ρ)) is named GRPO by the paper; the std convention and ε follow TRL/verl.',
      parameters: { std, epsilon },
    },
  );
}

/** RLOO: the leave-one-out baseline, A_i = r_i − mean_{j≠i} r_j = M/(M−1)·(r_i − mean). Symmetric, silent at ρ̂ = 0, 1. */
export function rloo(): Weighting {
  return fromGroupScale(
    (_mean, _variance, groupSize) => (Number.isFinite(groupSize) ? groupSize / (groupSize - 1) : 1),
    {
      name: 'rloo',
      label: 'RLOO',
      provenance: 'confirmed',
      note: 'Symmetric per the paper; the exact leave-one-out form holds for any rewards.',
    },
  );
}

/** Dr. GRPO: the group-mean baseline without std normalisation, A_i = r_i − mean. Symmetric, silent at ρ̂ = 0, 1. */
export function drGrpo(): Weighting {
  return fromGroupScale(() => 1, {
    name: 'dr-grpo',
    label: 'Dr. GRPO',
    provenance: 'baseline',
    note: 'The paper’s d_x direction itself (ω = 1); REINFORCE with the group mean as baseline.',
  });
}

/**
 * REINFORCE without baseline: A_i = r_i. Not centred, so groups are not zero-sum; its expected
 * update equals Dr. GRPO's (h = ρ(1−ρ)), which is what {@link Weighting.effectiveWeight} reports.
 */
export function reinforce(): Weighting {
  const h = (rho: number): number => rho * (1 - rho);
  return {
    name: 'reinforce',
    label: 'REINFORCE',
    provenance: 'baseline',
    note: 'A_i = r_i; the expected update is ρ(1−ρ)(E1 − E0), the same as Dr. GRPO’s.',
    mirrorSymmetric: true,
    silentAtEndpoints: true,
    centred: false,
    rewardDomain: 'real',
    parameters: Object.freeze({}),
    breakpoints: Object.freeze([]),
    effectiveWeight: h,
    omega: () => 1,
    groupOmega: () => 1,
  };
}

/** Linear-R: ω = 1/ρ, h = 1 − ρ; every response of an unsolved prompt gets −1. Confirmed by the paper. */
export function linearR(): Weighting {
  return fromEffectiveWeight((rho) => 1 - rho, {
    name: 'linear-r',
    label: 'Linear-R',
    provenance: 'confirmed',
    note: 'ω = 1/ρ̂, A_wrong = −1 even at ρ̂ = 0, h = 1 − ρ̂: stated in the paper’s public record.',
  });
}

/**
 * Sqrt-R: ω = 1/(ρ√(1−ρ)), h = √(1−ρ); the optimum in effective time. The shape is confirmed; the
 * normalisation h(0) = 1 is inferred (it only rescales the learning rate).
 */
export function sqrtR(): Weighting {
  return fromEffectiveWeight((rho) => Math.sqrt(1 - rho), {
    name: 'sqrt-r',
    label: 'Sqrt-R',
    provenance: 'confirmed',
    note: 'ω ∝ 1/(ρ√(1−ρ)) is confirmed as the effective-time optimum; the scale h(0) = 1 is inferred.',
  });
}

/**
 * Uniform-R: h ≡ 1, ω = 1/(ρ(1−ρ)). Symmetric (h(ρ) = h(1−ρ), grouped with GRPO and RLOO by the paper)
 * yet not silent at the endpoints: applied literally, an unsolved group gets −1 per response and an
 * all-correct group +1 (use zeroVariance `'zero'` or a custom weighting to change that).
 */
export function uniformR(): Weighting {
  return fromEffectiveWeight(() => 1, {
    name: 'uniform-r',
    label: 'Uniform-R',
    provenance: 'inferred',
    note: 'Name confirmed; h ≡ 1 inferred from the naming pattern (the name describes h).',
  });
}

/** Options of {@link plateauR}. */
export interface PlateauOptions {
  /** τ in (0, 1): h = 1 on [0, τ], then decays linearly to 0 at ρ = 1. Default 0.5. */
  threshold?: number;
}

/**
 * Plateau-R: full weight h = 1 for prompts solved at most τ of the time, then h = (1−ρ)/(1−τ).
 * Form and default τ = 0.5 are inferred; at τ = 0.5 its B·T is within 1% of the effective-time optimum
 * from scratch (0.025 → 0.8: 1.010×) and closer than Linear-R (1.53×) or Sqrt-R (1.23×) to the
 * regular-time optimum (1.19×): a compromise between the two clocks.
 */
export function plateauR(options: PlateauOptions = {}): Weighting {
  const threshold = options.threshold ?? 0.5;
  if (!(threshold > 0 && threshold < 1)) {
    throw new WeightsError('threshold', `expected the plateau threshold τ strictly between 0 and 1, got ${threshold}`);
  }
  return fromEffectiveWeight((rho) => (rho <= threshold ? 1 : (1 - rho) / (1 - threshold)), {
    name: 'plateau-r',
    label: 'Plateau-R',
    provenance: 'inferred',
    note: 'Name confirmed; a flat h = 1 up to τ then a linear decay is inferred, τ a parameter.',
    parameters: { threshold },
    breakpoints: [threshold],
  });
}

/** Options of {@link costAware}: the cost c(ρ) = a + b/ρ of a unit of regular time. */
export interface CostAwareOptions {
  /** Cost per update (a ≥ 0). Default 1. */
  a?: number;
  /** Cost per sampled response, which grows like 1/ρ for an informative one (b ≥ 0). Default 1. */
  b?: number;
}

/**
 * The cost-aware optimum ω ∝ √(c(ρ)/(ρ(1−ρ))) for c(ρ) = a + b/ρ, i.e.
 * h = √((aρ + b)(1−ρ)/(a + b)). b = 0 gives GRPO's shape, a = 0 gives Sqrt-R; it minimises
 * budget × time when time is charged at rate c. Derived here, not in the paper.
 */
export function costAware(options: CostAwareOptions = {}): Weighting {
  const a = options.a ?? 1;
  const b = options.b ?? 1;
  for (const [argument, value] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new WeightsError(argument, `expected a finite cost ≥ 0, got ${value}`);
    }
  }
  if (a + b === 0) throw new WeightsError('a', 'a and b cannot both be 0');
  return fromEffectiveWeight((rho) => Math.sqrt(((a * rho + b) * (1 - rho)) / (a + b)), {
    name: 'cost-aware',
    label: 'Cost-aware',
    provenance: 'inferred',
    note: 'Minimises B·T for a clock charged a per update plus b per sampled response (c = a + b/ρ).',
    parameters: { a, b },
  });
}

/** Parameters accepted by {@link weighting}, by weighting name. */
export type WeightingParameters = GrpoOptions & PlateauOptions & CostAwareOptions;

const ALLOWED_PARAMETERS: Record<WeightingName, readonly (keyof WeightingParameters)[]> = {
  grpo: ['std', 'epsilon'],
  rloo: [],
  'dr-grpo': [],
  reinforce: [],
  'linear-r': [],
  'sqrt-r': [],
  'uniform-r': [],
  'plateau-r': ['threshold'],
  'cost-aware': ['a', 'b'],
};

/** True when `name` is a built-in weighting's name. */
export function isWeightingName(name: string): name is WeightingName {
  return (WEIGHTING_NAMES as readonly string[]).includes(name);
}

/**
 * A built-in weighting by its stable name, with optional parameters (e.g. `weighting('plateau-r',
 * { threshold: 0.3 })`). Unknown names and parameters that the weighting does not take are errors.
 */
export function weighting(name: string, parameters: WeightingParameters = {}): Weighting {
  if (!isWeightingName(name)) {
    throw new WeightsError(
      'weighting',
      `unknown weighting ${JSON.stringify(name)}; expected one of ${WEIGHTING_NAMES.join(', ')}`,
    );
  }
  for (const key of Object.keys(parameters)) {
    if (!(ALLOWED_PARAMETERS[name] as readonly string[]).includes(key)) {
      const allowed = ALLOWED_PARAMETERS[name].length > 0 ? ALLOWED_PARAMETERS[name].join(', ') : 'none';
      throw new WeightsError(`weighting.${key}`, `${name} takes no parameter "${key}" (allowed: ${allowed})`);
    }
  }
  switch (name) {
    case 'grpo':
      return grpo(parameters);
    case 'rloo':
      return rloo();
    case 'dr-grpo':
      return drGrpo();
    case 'reinforce':
      return reinforce();
    case 'linear-r':
      return linearR();
    case 'sqrt-r':
      return sqrtR();
    case 'uniform-r':
      return uniformR();
    case 'plateau-r':
      return plateauR(parameters);
    case 'cost-aware':
      return costAware(parameters);
  }
}
