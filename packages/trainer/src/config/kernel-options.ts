/**
 * The configuration in the terms of @rlvr/kernels' `DecoderModel`: the policy-loss settings of
 * `policyLoss` and the AdamW settings of `step`. One translation, so that a config field cannot be
 * forgotten on the way to the kernels.
 */
import type { DecoderStepOptions, PolicyLossConfig } from '@rlvr/kernels';
import type { TrainConfig } from './schema.js';

/**
 * `policyLoss` settings: PPO clip (token or sequence ratio, dual clip), KL, truncated IS and its mode,
 * top-entropy mask, aggregation (normaliser defaults to maxNewTokens; micro-batch-token-mean is the
 * kernels' token-mean of each micro-batch, which the loop averages), temperature, entropy bonus.
 */
export function policyLossConfig(config: TrainConfig): PolicyLossConfig {
  const aggregation = config.loss.aggregation;
  return {
    epsLow: config.ppo.epsLow,
    epsHigh: config.ppo.epsHigh,
    importanceLevel: config.ppo.importanceLevel,
    clipRatioC: config.ppo.clipRatioC,
    beta: config.kl.beta,
    kl: config.kl.estimator,
    tisCap: config.loss.tisCap,
    tisMode: config.loss.tisMode,
    topEntropyQuantile: config.loss.topEntropyQuantile,
    aggregation: aggregation === 'micro-batch-token-mean' ? 'token-mean' : aggregation,
    // Dr. GRPO divides by a constant; the longest possible completion keeps it independent of padding.
    normaliser: config.loss.normaliser ?? config.sampling.maxNewTokens,
    // TRL divides the trainer's logits by the sampling temperature, so that the logprobs match the sampler's.
    temperature: config.sampling.temperature,
    entropyCoef: config.loss.entropyCoef,
  };
}

/** `step` settings at learning rate `lr` (from {@link learningRateAt}). */
export function adamWOptions(config: TrainConfig, lr: number): DecoderStepOptions {
  const options: DecoderStepOptions = {
    lr,
    beta1: config.optim.beta1,
    beta2: config.optim.beta2,
    eps: config.optim.eps,
    weightDecay: config.optim.weightDecay,
  };
  if (config.optim.maxGradNorm !== null) options.maxGradNorm = config.optim.maxGradNorm;
  return options;
}
