import type { EvalMetrics, StepMetrics } from '../metrics/index.js';
import { bandPoints, halfWidth95, summariseWeighting, summaryTable, type SeedRun } from './aggregate.js';

const evalAt = (step: number, pass1Greedy: number): EvalMetrics => ({
  kind: 'eval',
  step,
  prompts: 200,
  samples: 4,
  pass1Greedy,
  meanAccuracy: pass1Greedy / 2,
  passAtK: { 1: pass1Greedy / 2 },
  rewardMean: 0,
  seconds: 1,
});
// Only the fields the aggregation reads matter; the rest are filler of the right type.
const stepAt = (step: number, zeroGroups: number): StepMetrics => ({
  kind: 'step',
  step,
  elapsedSeconds: step,
  phaseSeconds: { sample: 0, verify: 0, advantages: 0, train: 0, sync: 0 },
  promptsPerSecond: 1,
  tokensPerSecond: 1,
  sampledResponses: step * 128,
  rewardMean: 0,
  accuracy: 0,
  rhoHistogram: [zeroGroups, 16 - zeroGroups, 0, 0, 0, 0, 0, 0, 0],
  noSignalFraction: 0,
  loss: 0,
  kl: 0,
  entropy: 0,
  gradNorm: 0,
  clipFraction: 0,
  logprobGapMean: 0,
  logprobGapMaxAbs: 0,
  responseLengthMean: 1,
  responseLengthMax: 1,
  learningRate: 1e-3,
});
const steps = (zeros: number[]) => zeros.map((z, i) => stepAt(i + 1, z));

describe('compare aggregation', () => {
  const runs: SeedRun[] = [
    { seed: 1, evals: [evalAt(0, 0.05), evalAt(3, 0.1), evalAt(6, 0.3)], steps: steps([16, 16, 8, 8, 0, 0]) },
    { seed: 2, evals: [evalAt(0, 0.05), evalAt(3, 0.2), evalAt(6, 0.1)], steps: steps([16, 8, 8, 8, 8, 0]) },
  ];

  it('bands: mean, min and max over seeds at each common evaluation step, with mean sampled responses', () => {
    const points = bandPoints('linear-r', runs);
    expect(points.map((p) => p.step)).toEqual([0, 3, 6]);
    expect(points[1]).toEqual({ weighting: 'linear-r', step: 3, sampledResponses: 384, mean: expect.closeTo(0.15, 12), min: 0.1, max: 0.2 });
    expect(points[0]!.sampledResponses).toBe(0);
  });

  it('summary: final mean ± t interval, means over the run, first step at 2× and 4× the start, ρ̂ = 0 share by thirds', () => {
    const s = summariseWeighting('linear-r', runs);
    expect(s.start).toBeCloseTo(0.05, 12);
    expect(s.finalMean).toBeCloseTo(0.2, 12);
    // Two seeds, 0.3 and 0.1: sd = 0.1414, t(0.975, 1) = 12.706, half-width = 12.706 × 0.1414 / √2 = 1.2706.
    expect(s.finalHalfWidth).toBeCloseTo(1.2706, 4);
    expect(s.stepsTo2x).toBe(3); // mean 0.15 ≥ 0.10
    expect(s.stepsTo4x).toBe(6); // mean 0.15 < 0.20 at step 3; 0.20 at step 6
    // Thirds of 6 steps: seed 1 (16,16)(8,8)(0,0) → 1, 0.5, 0; seed 2 (16,8)(8,8)(8,0) → 0.75, 0.5, 0.25.
    expect(s.zeroShareByThird.map((x) => Number(x.toFixed(4)))).toEqual([0.875, 0.5, 0.125]);
    // Over the run: evaluations after step 0 of both seeds, (0.1 + 0.3 + 0.2 + 0.1) / 4 = 0.175; sampled = half.
    expect(s.curveMean).toBeCloseTo(0.175, 12);
    expect(s.sampledCurveMean).toBeCloseTo(0.0875, 12);
    expect(summaryTable([s])).toContain('| linear-r | 2 | 5.0 | 20.0 ± 127.1 | 17.5 | 8.8 | 3 | 6 | 87.5 / 50.0 / 12.5 |');
  });

  it('a start of 0 never counts as reached, and one seed has no interval', () => {
    const flat: SeedRun[] = [{ seed: 1, evals: [evalAt(0, 0), evalAt(5, 0)], steps: steps([16, 16, 16, 16, 16]) }];
    const s = summariseWeighting('grpo', flat);
    expect(s.stepsTo2x).toBeNull();
    expect(s.finalHalfWidth).toBe(0);
    expect(halfWidth95([1, 2, 3])).toBeCloseTo((4.303 * 1) / Math.sqrt(3), 10);
  });
});
