/**
 * The reward part of a step's metrics from the flat rewards and correctness of B groups of M
 * responses: mean reward, accuracy, the ρ̂ histogram (via @rlvr/weights' successHistogram, so the
 * count convention is the one the weightings use) and the share of groups without signal.
 */
import { successHistogram } from '@rlvr/weights';
import { MetricsError } from './metrics-error.js';

/** Reward statistics of one step. */
export interface GroupStats {
  /** Mean reward. */
  rewardMean: number;
  /** Share of responses judged correct. */
  accuracy: number;
  /** counts[k] = groups with exactly k correct responses, k = 0..M. */
  rhoHistogram: number[];
  /** Share of groups whose rewards are all equal (TRL's `frac_reward_zero_std`): no advantage for a centred weighting. */
  noSignalFraction: number;
}

/** Statistics of `rewards` and `correct` (both B·M long, group after group) for group size `groupSize`. */
export function groupStats(rewards: ArrayLike<number>, correct: ArrayLike<boolean>, groupSize: number): GroupStats {
  if (rewards.length !== correct.length) {
    throw new MetricsError(
      'groupStats',
      `rewards (${rewards.length}) and correct (${correct.length}) differ in length`,
    );
  }
  if (!Number.isInteger(groupSize) || groupSize < 2 || rewards.length === 0 || rewards.length % groupSize !== 0) {
    throw new MetricsError(
      'groupStats',
      `expected a non-empty multiple of groupSize = ${groupSize} rewards, got ${rewards.length}`,
    );
  }
  let rewardSum = 0;
  let correctCount = 0;
  const successes = new Float64Array(rewards.length);
  for (let i = 0; i < rewards.length; i++) {
    const r = rewards[i]!;
    if (!Number.isFinite(r)) throw new MetricsError(`groupStats: rewards[${i}]`, `expected a finite reward, got ${r}`);
    rewardSum += r;
    if (correct[i]) {
      correctCount++;
      successes[i] = 1;
    }
  }
  const groups = rewards.length / groupSize;
  let flat = 0;
  for (let g = 0; g < groups; g++) {
    let equal = true;
    for (let i = g * groupSize + 1; i < (g + 1) * groupSize && equal; i++) {
      equal = rewards[i] === rewards[g * groupSize];
    }
    if (equal) flat++;
  }
  return {
    rewardMean: rewardSum / rewards.length,
    accuracy: correctCount / rewards.length,
    rhoHistogram: successHistogram(successes, groupSize, 1),
    noSignalFraction: flat / groups,
  };
}
