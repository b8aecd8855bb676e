import { WeightsError, requireInteger } from './errors.js';
import type { Weighting } from './weighting.js';
import { weighting as weightingByName } from './weightings.js';

/**
 * What a group whose rewards are all equal (no variance: all wrong, all right) receives:
 * - `weighting`: the weighting's own limit: −h(0) per response when all rewards are 0, h(1) when all
 *   are 1, and 0 for any other constant (r_i − ρ̂ = 0). The default.
 * - `zero`: no gradient from any zero-variance group.
 * - `reinforce`: −1 per response of an unsolved group (all rewards 0), 0 for other zero-variance groups.
 * The paper ablates exactly this choice for zero-success groups.
 */
export type ZeroVarianceMode = 'weighting' | 'zero' | 'reinforce';

/** The accepted {@link ZeroVarianceMode} values. */
export const ZERO_VARIANCE_MODES: readonly ZeroVarianceMode[] = ['weighting', 'zero', 'reinforce'];

/** Options of {@link groupAdvantages}. */
export interface GroupAdvantageOptions {
  /** Handling of zero-variance groups; default `weighting`. */
  zeroVariance?: ZeroVarianceMode;
  /**
   * When set, a reward ≥ this threshold counts as a success (1) and anything below as a failure (0)
   * before weighting: the paper's binary setting (e.g. ignore Countdown's 0.1 format credit with 1).
   * When unset, rewards are used as they are and ρ̂ is the group's mean reward.
   */
  binarizeThreshold?: number;
  /** Write into this array (length B·M) instead of allocating one. */
  out?: Float32Array;
}

/**
 * Advantages for B groups of M responses laid out contiguously (`rewards[g·M + i]`):
 * A_i = ω · (r_i − ρ̂) with ρ̂ the group's mean reward (REINFORCE: A_i = r_i), zero-variance groups
 * as `options.zeroVariance` says. Rewards must be finite, and in [0, 1] for success-rate weightings.
 * @throws WeightsError naming the first bad argument or reward.
 */
export function groupAdvantages(
  rewards: ArrayLike<number>,
  groupSize: number,
  weighting: Weighting | string,
  options: GroupAdvantageOptions = {},
): Float32Array {
  const rule = typeof weighting === 'string' ? weightingByName(weighting) : weighting;
  requireInteger('groupSize', groupSize, 2);
  if (rewards.length % groupSize !== 0) {
    throw new WeightsError('rewards', `expected a multiple of groupSize = ${groupSize} rewards, got ${rewards.length}`);
  }
  const zeroVariance = options.zeroVariance ?? 'weighting';
  if (!ZERO_VARIANCE_MODES.includes(zeroVariance)) {
    throw new WeightsError('zeroVariance', `expected one of ${ZERO_VARIANCE_MODES.join(', ')}, got ${JSON.stringify(zeroVariance)}`);
  }
  const threshold = options.binarizeThreshold;
  if (threshold !== undefined && !Number.isFinite(threshold)) {
    throw new WeightsError('binarizeThreshold', `expected a finite number, got ${threshold}`);
  }
  const out = options.out ?? new Float32Array(rewards.length);
  if (out.length !== rewards.length) {
    throw new WeightsError('out', `expected length ${rewards.length}, got ${out.length}`);
  }
  const unitDomain = rule.rewardDomain === 'unit' || threshold !== undefined;
  const allWrongValue = zeroVarianceValue(rule, zeroVariance, 0, groupSize);
  const allRightValue = zeroVarianceValue(rule, zeroVariance, 1, groupSize);

  for (let start = 0; start < rewards.length; start += groupSize) {
    const end = start + groupSize;
    // Pass 1: validate, (optionally) binarise, and gather sum / min / max of the group.
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = start; i < end; i++) {
      let r = rewards[i] as number;
      if (!Number.isFinite(r)) throw badReward(i, r, 'a finite number');
      if (threshold !== undefined) r = r >= threshold ? 1 : 0;
      else if (unitDomain && (r < 0 || r > 1)) throw badReward(i, r, `a reward in [0, 1] for ${rule.name}`);
      out[i] = r;
      sum += r;
      if (r < min) min = r;
      if (r > max) max = r;
    }
    const mean = sum / groupSize;

    if (min === max) {
      const value = min === 0 ? allWrongValue : min === 1 ? allRightValue : constantGroupValue(rule, zeroVariance, min);
      out.fill(value, start, end);
      continue;
    }
    if (!rule.centred) continue; // REINFORCE: A_i = r_i, already in `out`.

    let variance = 0;
    for (let i = start; i < end; i++) {
      const d = (out[i] as number) - mean;
      variance += d * d;
    }
    variance /= groupSize;
    const omega = rule.groupOmega(mean, variance, groupSize);
    for (let i = start; i < end; i++) out[i] = omega * ((out[i] as number) - mean);
  }
  return out;
}

/** Per-group success rate ρ̂ (mean reward, or success fraction when `binarizeThreshold` is set). */
export function groupSuccessRates(rewards: ArrayLike<number>, groupSize: number, binarizeThreshold?: number): Float64Array {
  requireInteger('groupSize', groupSize, 1);
  if (rewards.length % groupSize !== 0) {
    throw new WeightsError('rewards', `expected a multiple of groupSize = ${groupSize} rewards, got ${rewards.length}`);
  }
  const rates = new Float64Array(rewards.length / groupSize);
  for (let g = 0; g < rates.length; g++) {
    let sum = 0;
    for (let i = g * groupSize; i < (g + 1) * groupSize; i++) {
      const r = rewards[i] as number;
      if (!Number.isFinite(r)) throw badReward(i, r, 'a finite number');
      sum += binarizeThreshold === undefined ? r : r >= binarizeThreshold ? 1 : 0;
    }
    rates[g] = sum / groupSize;
  }
  return rates;
}

/**
 * Histogram of successes per group: `counts[k]` = number of groups with exactly k of M responses
 * at or above `successThreshold` (default 1, i.e. fully correct), for k = 0..M (paper Fig. 3).
 */
export function successHistogram(rewards: ArrayLike<number>, groupSize: number, successThreshold = 1): number[] {
  const rates = groupSuccessRates(rewards, groupSize, successThreshold);
  const counts = new Array<number>(groupSize + 1).fill(0);
  for (const rate of rates) counts[Math.round(rate * groupSize)]! += 1;
  return counts;
}

function zeroVarianceValue(rule: Weighting, mode: ZeroVarianceMode, reward: 0 | 1, groupSize: number): number {
  if (mode === 'zero') return 0;
  if (mode === 'reinforce') return reward === 0 ? -1 : 0;
  if (!rule.centred) return reward;
  // The weighting's limit: A_wrong(0) = −h(0), A_correct(1) = h(1).
  const h = rule.effectiveWeight(reward, groupSize);
  // `0 - h` rather than `-h`: a symmetric weighting's limit is +0, never -0.
  return reward === 0 ? 0 - h : h;
}

function constantGroupValue(rule: Weighting, mode: ZeroVarianceMode, reward: number): number {
  // A constant reward strictly between 0 and 1 (e.g. all 0.1 format credit): r_i − ρ̂ = 0 for a centred
  // weighting; REINFORCE keeps A_i = r_i unless zero-variance groups are switched off.
  return mode === 'weighting' && !rule.centred ? reward : 0;
}

function badReward(index: number, value: number, expected: string): WeightsError {
  return new WeightsError(`rewards[${index}]`, `expected ${expected}, got ${value}`);
}
