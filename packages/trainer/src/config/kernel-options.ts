/**
 * The configuration in the terms of @rlvr/kernels' `DecoderModel`: the policy-loss settings of
 * `policyLoss` and the AdamW settings of `step`. One translation, so that a config field cannot be
 * forgotten on the way to the kernels.
 */
import type { DecoderStepOptions, PolicyLossConfig } from '@rlvr/kernels';
import type { TrainConfig } from './schema.js';

/** `policyLoss` settings: PPO clip, KL, truncated IS, aggregation (normaliser defaults to maxNewTokens), temperature, entropy bonus. */
export function policyLossConfig(config: TrainConfig): PolicyLossConfig {
  return {
    epsLow: config.ppo.epsLow,
    epsHigh: config.ppo.epsHigh,
    beta: config.kl.beta,
    kl: config.kl.estimator,
    tisCap: config.loss.tisCap,
    aggregation: config.loss.aggregation,
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
