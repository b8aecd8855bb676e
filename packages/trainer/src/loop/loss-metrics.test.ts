/**
 * The loss side of a step's metrics with a real cpu policy and a real ONNX Runtime sampler: the
 * gradient norm after clipping next to the one before, the clip fractions below, above and outside
 * the clip range; and each micro-batch's share of its mini-batch's loss for every aggregation.
 */
import { createDecoderModel, type DecoderModel } from '@rlvr/kernels';
import { CausalLm, Sampler } from '@rlvr/sampler';
import { tinyModel } from '@rlvr/sampler/testing';
import { testStepSettings } from '../testing/step-settings.js';
import { parityScore, tinyStepModel } from '../testing/tiny-step.js';
import { microBatchScale, rlStep } from './rl-step.js';

test('a micro-batch’s share: its loss tokens (token-mean), its rows (seq-mean modes), 1/micro-batches (bnpo)', () => {
  const micro = { lossTokens: 30, rows: [0, 1] };
  expect(microBatchScale('token-mean', false, micro, 4, 120, 8)).toBe(30 / 120);
  expect(microBatchScale('seq-mean-token-mean', false, micro, 4, 120, 8)).toBe(2 / 8);
  expect(microBatchScale('seq-mean-token-sum', false, micro, 4, 120, 8)).toBe(2 / 8);
  expect(microBatchScale('token-mean', true, micro, 4, 120, 8)).toBe(1 / 4);
});

describe('rlStep on a tiny policy', () => {
  const { tiny, tokenizer } = tinyStepModel();
  const M = 4;
  const score = parityScore;
  let policy: DecoderModel;
  let lm: CausalLm;
  beforeAll(async () => {
    policy = await createDecoderModel({ config: tiny.config, weights: tiny.weights, backend: 'cpu', cpuEngine: 'eager', log: null, threads: 1 });
    lm = await CausalLm.fromWeights(tiny.config, tiny.weights);
  });
  afterAll(async () => {
    await policy.dispose();
    await lm.release();
  });

  test('two epochs, two mini-batches, clipping at 1e-3: the clipped norm is at most the cap, the raw norm above it; region ⊇ low ∪ high', async () => {
    const sampler = new Sampler(lm, tokenizer);
    const ctx = {
      policy,
      sampler: { generate: (p: number[][], o: object) => sampler.generate(p, o as never), setWeights: (w: never) => lm.setWeights(w) },
      score,
    };
    const prompts = ['How many clips', 'The quick brown fox', 'Answer:', 'Once upon'].map((t) => ({ ids: tokenizer.encode(t), reference: null }));
    const maxGradNorm = 1e-3;
    const r = await rlStep(
      ctx as never,
      prompts,
      testStepSettings(M, {
        seed: 3,
        maxNewTokens: 4,
        ppoEpochs: 2,
        miniBatches: 2,
        loss: { epsLow: 0.2, epsHigh: 0.2, beta: 0, aggregation: 'token-mean' },
        optimizer: { lr: 0.2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm },
      }),
    );
    expect(r.optimizerSteps).toBe(4);
    expect(r.gradNorm).toBeGreaterThan(maxGradNorm);
    // Each update applies min(norm, cap) (up to the clip's 1e-6 guard): the mean is at most the cap.
    expect(r.gradNormClipped).toBeLessThanOrEqual(maxGradNorm);
    expect(r.gradNormClipped).toBeGreaterThan(maxGradNorm / 2);
    // Later epochs and mini-batches train on moved weights, so some ratios leave the clip range.
    expect(r.clipRegionFraction).toBeGreaterThan(0);
    expect(r.clipRegionFraction).toBeGreaterThanOrEqual(r.clipLowFraction + r.clipHighFraction - 1e-12);
    expect(r.clipFraction).toBeCloseTo(r.clipLowFraction + r.clipHighFraction, 12);
  });

  test('KL in the reward: each reward loses coef · Σ_t k1 of its sampler logprobs to the reference’s (here one unpadded sequence at a time)', async () => {
    const other = tinyModel({ std: 0.5, seed: 9 });
    const reference = await createDecoderModel({ config: other.config, weights: other.weights, backend: 'cpu', cpuEngine: 'eager', log: null, threads: 1 });
    try {
      const sampler = new Sampler(lm, tokenizer);
      const ctx = {
        policy,
        reference,
        sampler: { generate: (p: number[][], o: object) => sampler.generate(p, o as never), setWeights: (w: never) => lm.setWeights(w) },
        score,
      };
      const prompts = ['How many clips', 'Answer:'].map((t) => ({ ids: tokenizer.encode(t), reference: null }));
      const coef = 0.1;
      const r = await rlStep(ctx as never, prompts, testStepSettings(M, { seed: 5, maxNewTokens: 3, weighting: 'grpo', klReward: { coef, estimator: 'k1' } }));
      const penalties: number[] = [];
      for (const { rollout } of r.rollouts) {
        const ids = [...rollout.promptIds, ...rollout.completionIds];
        const { logprob } = await reference.tokenLogprobs(Int32Array.from(ids), new Int32Array(ids.length).fill(1), 1, ids.length);
        const start = rollout.promptIds.length - 1;
        penalties.push(coef * rollout.logprobs.reduce((sum, lp, t) => sum + (lp - logprob[start + t]!), 0));
      }
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(Math.abs(r.klRewardPenalty - mean(penalties))).toBeLessThan(1e-5);
      expect(Math.abs(r.klRewardPenalty)).toBeGreaterThan(1e-3);
      expect(r.rewardMean).toBeCloseTo(mean(r.rollouts.map((x) => x.score.reward)) - mean(penalties), 5);
      await expect(rlStep({ ...ctx, reference: undefined } as never, prompts, testStepSettings(M, { klReward: { coef, estimator: 'k1' } }))).rejects.toThrow(/klReward needs ctx\.reference/);
    } finally {
      await reference.dispose();
    }
  });
});
