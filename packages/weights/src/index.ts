export { WeightsError } from './errors.js';
export {
  fromEffectiveWeight,
  fromGroupScale,
  isMirrorSymmetric,
  responseAdvantages,
  type Provenance,
  type ResponseAdvantages,
  type RewardDomain,
  type Weighting,
  type WeightingInfo,
} from './weighting.js';
export {
  WEIGHTING_NAMES,
  costAware,
  drGrpo,
  grpo,
  isWeightingName,
  linearR,
  plateauR,
  reinforce,
  rloo,
  sqrtR,
  uniformR,
  weighting,
  type CostAwareOptions,
  type GrpoOptions,
  type PlateauOptions,
  type StdConvention,
  type WeightingName,
  type WeightingParameters,
} from './weightings.js';
export {
  MAX_REAL_REWARD,
  ZERO_VARIANCE_MODES,
  groupAdvantages,
  groupSuccessRates,
  successHistogram,
  type GroupAdvantageOptions,
  type ZeroVarianceMode,
} from './group-advantages.js';
export { EFFECTIVE_CLOCK, REGULAR_CLOCK, costClock, resolveClock, type Clock } from './theory/clocks.js';
export {
  costLowerBound,
  logit,
  sigmoid,
  theoryRow,
  timeToTarget,
  trajectory,
  updateBudget,
  type TheoryRow,
  type Trajectory,
  type TrajectoryOptions,
} from './theory/dynamics.js';
export {
  arcsineSurrogate,
  closedForm,
  closedFormLowerBound,
  sqrtSurrogate,
  type ClosedForm,
} from './theory/closed-forms.js';
export { optimalWeighting } from './theory/optimal.js';
export { integrate, type QuadratureOptions } from './theory/quadrature.js';
export { simulate, type SamplingMode, type SimulationOptions, type SimulationResult } from './theory/simulation.js';
export { advantagePoints, effectiveWeightPoints, type AdvantagePoint, type EffectiveWeightPoint } from './figures.js';
