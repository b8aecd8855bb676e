import type { RlStepSettings } from '../loop/rl-step.js';

/**
 * RL step settings for unit tests of the step: groups of `groupSize`, two new tokens, Linear-R on raw
 * rewards, PPO clip 0.2 without KL, one epoch and one mini-batch; `overrides` replace any field.
 */
export function testStepSettings(groupSize: number, overrides: Partial<RlStepSettings> = {}): RlStepSettings {
  return {
    groupSize,
    maxNewTokens: 2,
    temperature: 1,
    topP: 1,
    topK: 0,
    stop: [],
    seed: 1,
    weighting: 'linear-r',
    zeroVariance: 'weighting',
    loss: { epsLow: 0.2, epsHigh: 0.2, beta: 0, aggregation: 'token-mean' },
    microBatchSize: 8,
    ppoEpochs: 1,
    miniBatches: 1,
    oldLogprobs: 'auto',
    optimizer: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
    padId: 0,
    ...overrides,
  };
}
