/** The policy-gradient micro-batch that `DecoderModel.policyLoss` takes, and its layout helpers. */
export { checkedLossScale, padPolicyBatch, paddedLossOptions, padShifted, policyLossStats, shiftedTargets, unpadShifted } from './policy-batch.js';
export type { PaddedPolicyInputs, PolicyBatch, PolicyLossConfig, PolicyLossOptions, PolicyLossStats, TokenLogprobs } from './policy-batch.js';
