import { theoryRow, weighting } from '@rlvr/weights';
import type { EvalMetrics, StepMetrics } from '../metrics/index.js';
import { syntheticStep } from '../metrics/testing/synthetic-metrics.js';
import type { SeedRun } from './aggregate.js';
import { kendallTau, measuredTimes, predictedTimes, quantileOrNull, ranks, rhoBandPoints, rhoSummary } from './theory-regime.js';

const evalAt = (step: number, train: number[]): EvalMetrics => ({
  kind: 'eval',
  step,
  prompts: 2,
  samples: 4,
  pass1Greedy: 0,
  meanAccuracy: 0,
  passAtK: {},
  rewardMean: 0,
  exactSuccess: { train, test: [0.025, 0.025] },
  seconds: 1,
});
// Only the step and its sampledResponses matter to the aggregation; the rest is a valid synthetic record.
const stepAt = (step: number, perStep: number): StepMetrics => ({ ...syntheticStep(step, 2), sampledResponses: step * perStep });
const steps = (n: number, perStep: number) => Array.from({ length: n }, (_, i) => stepAt(i + 1, perStep));

describe('theory regime aggregation', () => {
  // Four training prompts per run; seed 2 samples twice as many responses per step (until-success sampling).
  const runs: SeedRun[] = [
    {
      seed: 1,
      steps: steps(4, 10),
      evals: [evalAt(0, [0.1, 0.1, 0.1, 0.1]), evalAt(2, [0.6, 0.2, 0.1, 0.1]), evalAt(4, [0.9, 0.6, 0.1, 0.2])],
    },
    {
      seed: 2,
      steps: steps(4, 20),
      evals: [evalAt(0, [0.1, 0.1, 0.1, 0.1]), evalAt(2, [0.5, 0.5, 0.5, 0.1]), evalAt(4, [0.9, 0.9, 0.9, 0.9])],
    },
  ];

  test('mean-ρ band over seeds with mean responses', () => {
    const band = rhoBandPoints('linear-r', runs);
    expect(band.map((p) => p.step)).toEqual([0, 2, 4]);
    // Step 2: run means 0.25 and 0.4; responses 20 and 40.
    expect(band[1]).toEqual({ weighting: 'linear-r', step: 2, sampledResponses: 30, mean: expect.closeTo(0.325, 12), min: 0.25, max: 0.4 });
    // Step 4: 0.45 and 0.9.
    expect(band[2]!.mean).toBeCloseTo(0.675, 12);
  });

  test('times to a target: the mean curve, and the median over prompts × seeds on both clocks', () => {
    const t = measuredTimes('linear-r', runs, 0.5);
    expect(t.meanSteps).toBe(4);
    expect(t.meanResponses).toBe(60);
    // First steps at ρ ≥ 0.5: seed 1 → 2, 4, never, never; seed 2 → 2, 2, 2, 4. Sorted: 2 2 2 2 4 4 ∞ ∞:
    // a quarter (2 of 8) by step 2.
    expect(t.promptQuartileSteps).toBe(2);
    // Responses: seed 1 → 20, 40, ∞, ∞; seed 2 → 40, 40, 40, 80. Sorted: 20 40 40 40 40 80 ∞ ∞ → 40.
    expect(t.promptQuartileResponses).toBe(40);
    expect(t.reachedShare).toBe(6 / 8);
    const never = measuredTimes('linear-r', runs, 0.95);
    expect([never.meanSteps, never.promptQuartileSteps, never.reachedShare]).toEqual([null, null, 0]);
  });

  test('the exact-ρ summary: start, final and the mean over the evaluations after the start', () => {
    expect(rhoSummary('linear-r', runs)).toEqual({
      key: 'linear-r',
      seeds: 2,
      start: expect.closeTo(0.1, 12),
      final: expect.closeTo(0.675, 12),
      overRun: expect.closeTo(0.5, 12),
    });
  });

  test('predictions: B·T from the library’s theoryRow, and simulate reaching the target', () => {
    const setup = { rho0: 0.025, logitSpread: 0, prompts: 64, groupSize: 8, steps: 200, learningRate: 0.2, sampling: 'fixed' as const, maxGroups: 1 };
    for (const name of ['grpo', 'sqrt-r']) {
      const p = predictedTimes(name, setup, 0.5);
      const row = theoryRow(weighting(name), 0.025, 0.5);
      expect([p.regularCost, p.effectiveCost]).toEqual([row.regularCost, row.effectiveCost]);
    }
    // Linear-R's log-odds step at ρ̂ = 0 is η·h(0) = 0.2 per step: ρ = 0.5 is reached within 200 steps.
    const linear = predictedTimes('linear-r', setup, 0.5);
    expect(linear.simulatedSteps).toBeGreaterThan(0);
    expect(linear.simulatedSteps).toBeLessThanOrEqual(200);
    expect(linear.simulatedResponses).toBe(linear.simulatedSteps! * 64 * 8);
  });

  test('quantiles with "never" as Infinity', () => {
    expect(quantileOrNull([5, 1, Infinity, 3], 0.25)).toBe(1);
    expect(quantileOrNull([5, 1, Infinity, 3], 0.75)).toBe(5);
    expect(quantileOrNull([5, 1, Infinity, 3], 1)).toBeNull();
    expect(quantileOrNull([], 0.25)).toBeNull();
  });

  test('ranks and Kendall τ', () => {
    expect(ranks([3, 1, null, 1])).toEqual([3, 1, 4, 1]);
    expect(kendallTau([1, 2, 3, 4], [1, 2, 3, 4])).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    // One discordant pair of six: (4 − 1 … ) → (5 − 1) / 6.
    expect(kendallTau([1, 2, 3, 4], [1, 2, 4, 3])).toBeCloseTo(4 / 6, 12);
    // Ties count as neither.
    expect(kendallTau([1, 1, 2], [1, 2, 3])).toBeCloseTo(2 / 3, 12);
  });
});
