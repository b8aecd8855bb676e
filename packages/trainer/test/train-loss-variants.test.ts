/**
 * The loss variants a TRL or verl user sets, through a whole run on the cpu backend: GSPO's sequence
 * ratio, dual clip, sequence-masked IS, the top-entropy mask, the low-var-kl loss term and KL in the
 * reward, TRL's bnpo aggregation, a warm-up ratio and gradient clipping, over two PPO epochs (so
 * ratios move off 1); every metric finite and the new ones written.
 */
import { join } from 'node:path';
import { runTraining } from '../src/loop/run-training.js';
import { metricsOf, tinyConfig, tinyRun } from './tiny-run.js';

let run: ReturnType<typeof tinyRun>;
beforeAll(() => {
  run = tinyRun();
});
afterAll(() => run.cleanup());

it('GSPO, dual clip, sequence-mask IS, top-entropy 0.5, low-var-kl β and KL in the reward, bnpo, warmupRatio: two finite steps with every loss metric', async () => {
  const runDir = join(run.root, 'variants');
  const config = tinyConfig(run.modelDir, {
    weighting: { name: 'grpo', zeroVariance: 'reinforce', binarize: null },
    ppo: { microBatchSize: 5, epochs: 2, importanceLevel: 'sequence', clipRatioC: 3, epsLow: 3e-4, epsHigh: 4e-4 },
    loss: { aggregation: 'micro-batch-token-mean', tisCap: 2, tisMode: 'sequence-mask', topEntropyQuantile: 0.5 },
    kl: { beta: 0.04, estimator: 'low-var-kl', inReward: true, rewardCoef: 0.01, rewardEstimator: 'k2' },
    optim: { lr: 1e-2, warmupRatio: 0.5, maxGradNorm: 0.05 },
    // Step 1 (lr 0, reference = policy) has almost no gradient: a ratio guard would stop step 2.
    guard: { gradNormRatio: null },
  });
  const result = await runTraining({ config, runDir });
  expect(result.steps).toBe(2);
  const steps = metricsOf(runDir).filter((r) => r.kind === 'step');
  for (const r of steps) {
    for (const [k, v] of Object.entries(r)) if (typeof v === 'number') expect([k, Number.isFinite(v)]).toEqual([k, true]);
    expect(r.gradNormClipped).toBeLessThanOrEqual(0.05);
    expect(r.gradNormClipped).toBeLessThanOrEqual(r.gradNorm);
    expect(r.clipRegionFraction).toBeGreaterThanOrEqual((r.clipLowFraction ?? 0) + (r.clipHighFraction ?? 0) - 1e-12);
    // k2 ≥ 0, and the reference (the initial policy) and the sampler differ once the weights move.
    expect(r.klRewardPenalty).toBeGreaterThanOrEqual(0);
  }
  // ⌈0.5 · 2⌉ = 1 warm-up step: step 1 runs at lr 0, step 2 at lr.
  expect(steps.map((r) => r.learningRate)).toEqual([0, 1e-2]);
  // The second epoch trains on moved weights: with a clip range of 3e-4 the sequence ratios leave it.
  expect(steps[1]!.clipRegionFraction).toBeGreaterThan(0);
});
