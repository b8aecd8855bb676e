import type { StepMetrics } from '../records.js';

/** Options of {@link syntheticStep}. */
export interface SyntheticStepOptions {
  /** Accuracy of the step (default: rises from 0.05 with the step, capped at 0.95). */
  accuracy?: number;
  /** Prompts per step (default 8). */
  prompts?: number;
}

/**
 * A plausible, valid step record for tests of the metrics file and the report: the ρ̂ histogram
 * is a binomial-shaped spread of `prompts` groups around the accuracy, and every other field is a
 * deterministic function of the step, so tests can predict what the report shows.
 */
export function syntheticStep(step: number, groupSize: number, options: SyntheticStepOptions = {}): StepMetrics {
  const prompts = options.prompts ?? 8;
  const accuracy = options.accuracy ?? Math.min(0.95, 0.05 + 0.02 * step);
  const histogram = new Array<number>(groupSize + 1).fill(0);
  for (let g = 0; g < prompts; g++) {
    // Spread the groups evenly over the quantiles of the success count.
    const k = Math.min(groupSize, Math.max(0, Math.round(accuracy * groupSize + ((g + 0.5) / prompts - 0.5) * 2)));
    histogram[k]! += 1;
  }
  const noSignal = (histogram[0]! + histogram[groupSize]!) / prompts;
  return {
    kind: 'step',
    step,
    elapsedSeconds: 2 * step,
    phaseSeconds: { sample: 1.2, verify: 0.1, advantages: 0.01, train: 0.6, sync: 0.09 },
    promptsPerSecond: prompts / 2,
    tokensPerSecond: (prompts * groupSize * 40) / 2,
    sampledResponses: step * prompts * groupSize,
    rewardMean: accuracy + 0.05,
    accuracy,
    rhoHistogram: histogram,
    noSignalFraction: noSignal,
    loss: 0.01 / step,
    kl: 0,
    entropy: 1.5 - 0.01 * step,
    gradNorm: 0.5,
    clipFraction: 0.02,
    logprobGapMean: 1e-5,
    logprobGapMaxAbs: 3e-4,
    responseLengthMean: 40,
    responseLengthMax: 64,
    learningRate: 1e-6,
  };
}
