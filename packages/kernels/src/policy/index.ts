/** The policy layer over every backend (PolicyModel on a PolicyBackend), its micro-batch and layout helpers. */
export {
  checkedLossScale,
  padPolicyBatch,
  paddedLossOptions,
  padShifted,
  policyLossStats,
  shiftedTargets,
  unpadShifted,
} from './policy-batch.js';
export type {
  PaddedPolicyInputs,
  PolicyBatch,
  PolicyLossConfig,
  PolicyLossOptions,
  PolicyLossStats,
  TokenLogprobs,
} from './policy-batch.js';
export { PolicyModel, checkOptimizerState } from './policy-model.js';
export type {
  DecoderModel,
  OptimizerState,
  PaddedLossStats,
  PolicyBackend,
  PolicyModelOptions,
} from './policy-model.js';
