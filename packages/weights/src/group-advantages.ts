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

/**
 * Largest |reward| accepted by real-valued weightings: sums and squared deviations of such rewards stay
 * finite in f64, and advantages of the size of a reward stay finite in the f32 output (max ≈ 3.4e38).
 */
export const MAX_REAL_REWARD = 1e30;

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
 * as `options.zeroVariance` says. Rewards must be in [0, 1] for success-rate weightings (`unit`
 * domain) and finite with |r| ≤ {@link MAX_REAL_REWARD} for the others.
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
    throw new WeightsError(
      'zeroVariance',
      `expected one of ${ZERO_VARIANCE_MODES.join(', ')}, got ${JSON.stringify(zeroVariance)}`,
    );
  }
  const threshold = options.binarizeThreshold;
  if (threshold !== undefined && !Number.isFinite(threshold)) {
    throw new WeightsError('binarizeThreshold', `expected a finite number, got ${threshold}`);
  }
  const out = options.out ?? new Float32Array(rewards.length);
  if (out.length !== rewards.length) {
    throw new WeightsError('out', `expected length ${rewards.length}, got ${out.length}`);
  }
  // Binarising first keeps the hot loop free of the threshold test.
  const values = threshold === undefined ? rewards : binarize(rewards, threshold);
  // One range test rejects NaN and ±∞ as well.
  const unitDomain = rule.rewardDomain === 'unit';
  const low = unitDomain ? 0 : -MAX_REAL_REWARD;
  const high = unitDomain ? 1 : MAX_REAL_REWARD;
  // Binary groups (the common case) are served from a table of the M + 1 possible (A_correct, A_wrong)
  // pairs, so the hot loop does no weighting call and no division.
  const table = binaryTable(rule, zeroVariance, groupSize);

  for (let start = 0; start < values.length; start += groupSize) {
    const end = start + groupSize;
    // Pass 1: validate, count successes, and measure how far the group is from binary (Σ|r(1−r)| is 0
    // exactly when every reward is 0 or 1). No data-dependent branches: with random 0/1 rewards a
    // branch per response would be mispredicted half of the time.
    let sum = 0;
    let offBinary = 0;
    for (let i = start; i < end; i++) {
      const r = values[i] as number;
      if (!(r >= low && r <= high)) throw badReward(i, r, rangeDescription(rule, r));
      sum += r;
      offBinary += Math.abs(r * (1 - r));
    }
    if (offBinary === 0) {
      // c·r + w·(1−r) selects A_correct or A_wrong without a branch, and exactly (x·0 + y = y).
      const successes = sum | 0;
      const correct = table[successes] as number;
      const wrong = table[groupSize + 1 + successes] as number;
      for (let i = start; i < end; i++) {
        const r = values[i] as number;
        out[i] = correct * r + wrong * (1 - r);
      }
    } else {
      generalGroup(values, start, groupSize, sum / groupSize, rule, zeroVariance, out);
    }
  }
  return out;
}

/**
 * A_correct (first M + 1 entries) and A_wrong (next M + 1) for a binary group with k successes,
 * k = 0..M, including the zero-variance groups k = 0 and k = M as `mode` says.
 */
function binaryTable(rule: Weighting, mode: ZeroVarianceMode, groupSize: number): Float64Array {
  const table = new Float64Array(2 * (groupSize + 1));
  for (let k = 1; k < groupSize; k++) {
    const rho = k / groupSize;
    if (rule.centred) {
      const omega = rule.groupOmega(rho, rho * (1 - rho), groupSize);
      table[k] = omega * (1 - rho);
      table[groupSize + 1 + k] = omega * (0 - rho);
    } else {
      table[k] = 1;
      table[groupSize + 1 + k] = 0;
    }
  }
  table[groupSize + 1] = zeroVarianceValue(rule, mode, 0, groupSize); // k = 0: every response wrong
  table[groupSize] = zeroVarianceValue(rule, mode, 1, groupSize); // k = M: every response correct
  return table;
}

/** A group with a reward other than 0 or 1 (already validated). */
function generalGroup(
  rewards: ArrayLike<number>,
  start: number,
  groupSize: number,
  mean: number,
  rule: Weighting,
  mode: ZeroVarianceMode,
  out: Float32Array,
): void {
  const end = start + groupSize;
  // Constant groups are found by comparing the rewards themselves: a variance of rewards that differ by
  // less than ~1e-154 underflows to 0 although the group is not constant.
  let min = Infinity;
  let max = -Infinity;
  let variance = 0;
  for (let i = start; i < end; i++) {
    const r = rewards[i] as number;
    if (r < min) min = r;
    if (r > max) max = r;
    variance += (r - mean) * (r - mean);
  }
  variance /= groupSize;
  if (min === max) {
    out.fill(constantGroupValue(rule, mode, mean), start, end);
    return;
  }
  if (!rule.centred) {
    for (let i = start; i < end; i++) out[i] = rewards[i] as number; // REINFORCE: A_i = r_i.
    return;
  }
  if (rule.rewardDomain === 'unit') {
    // ω(ρ̂)(r − ρ̂) = h(ρ̂)/(1−ρ̂) · (r − ρ̂)/ρ̂: the same number as omega·(r − ρ̂), but without forming
    // ω = h/(ρ̂(1−ρ̂)), which overflows when ρ̂ is subnormal (rewards such as 1e-320).
    const scale = rule.effectiveWeight(mean, groupSize) / (1 - mean);
    for (let i = start; i < end; i++) out[i] = scale * (((rewards[i] as number) - mean) / mean);
    return;
  }
  const omega = rule.groupOmega(mean, variance, groupSize);
  // Only a scale that divides by an underflowed variance (GRPO with ε = 0 on rewards closer than ~1e-154)
  // is not finite; such a group is treated as having no signal rather than returning ∞.
  if (!Number.isFinite(omega)) {
    out.fill(0, start, end);
    return;
  }
  for (let i = start; i < end; i++) out[i] = omega * ((rewards[i] as number) - mean);
}

/** Per-group success rate ρ̂ (mean reward, or success fraction when `binarizeThreshold` is set). */
export function groupSuccessRates(
  rewards: ArrayLike<number>,
  groupSize: number,
  binarizeThreshold?: number,
): Float64Array {
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
  // `0 - h` rather than `-h`: where h(0) = 0 the limit is +0, never -0.
  return reward === 0 ? 0 - h : h;
}

function constantGroupValue(rule: Weighting, mode: ZeroVarianceMode, reward: number): number {
  // A constant reward strictly between 0 and 1 (e.g. all 0.1 format credit): r_i − ρ̂ = 0 for a centred
  // weighting; REINFORCE keeps A_i = r_i unless zero-variance groups are switched off.
  return mode === 'weighting' && !rule.centred ? reward : 0;
}

function rangeDescription(rule: Weighting, r: number): string {
  if (!Number.isFinite(r)) return 'a finite number';
  return rule.rewardDomain === 'unit'
    ? `a reward in [0, 1] for ${rule.name}`
    : `a reward of magnitude at most ${MAX_REAL_REWARD}`;
}

/** 1 where the reward is ≥ threshold, else 0; NaN and ±∞ are reported with their index. */
function binarize(rewards: ArrayLike<number>, threshold: number): Float32Array {
  const binary = new Float32Array(rewards.length);
  for (let i = 0; i < rewards.length; i++) {
    const r = rewards[i] as number;
    if (!Number.isFinite(r)) throw badReward(i, r, 'a finite number');
    binary[i] = r >= threshold ? 1 : 0;
  }
  return binary;
}

function badReward(index: number, value: number, expected: string): WeightsError {
  return new WeightsError(`rewards[${index}]`, `expected ${expected}, got ${value}`);
}
