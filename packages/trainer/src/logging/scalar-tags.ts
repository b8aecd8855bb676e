/**
 * TensorBoard tag names of the metrics records, as TRL users know them: Hugging Face's TensorBoard
 * callback writes `train/<key>` and `eval/<key>` with GRPOTrainer's keys (`loss`, `reward`, `kl`,
 * `grad_norm`, `clip_ratio/region_mean`, `completions/mean_length`, `frac_reward_zero_std`, …). A
 * field with a TRL counterpart gets its name; any other field, one added later included, gets its
 * dotted path in snake_case with `/` between levels (`phaseSeconds.sample` → `phase_seconds/sample`).
 */
import type { MetricsRecord } from '../metrics/records.js';
import { numericFields } from '../metrics/numeric-fields.js';

/** Our field paths whose TRL key differs from the generic snake_case name. */
const TRL_NAMES: Readonly<Record<string, string>> = {
  rewardMean: 'reward',
  gradNorm: 'grad_norm',
  // TRL's region_mean counts tokens clipped below with A < 0 or above with A > 0: the tokens whose
  // clipped branch the objective took, which is clipFraction (a ratio outside the band with the other
  // sign of A is not clipped, so clipRegionFraction keeps its own name).
  clipFraction: 'clip_ratio/region_mean',
  clipLowFraction: 'clip_ratio/low_mean',
  clipHighFraction: 'clip_ratio/high_mean',
  noSignalFraction: 'frac_reward_zero_std',
  responseLengthMean: 'completions/mean_length',
  responseLengthMax: 'completions/max_length',
  truncatedFraction: 'completions/clipped_ratio',
  logprobGapMean: 'sampling/sampling_logp_difference/mean',
  logprobGapMaxAbs: 'sampling/sampling_logp_difference/max',
};

/** Eval paths named after what they measure (`passAtK.8` → `pass@8`). */
function evalName(path: string): string | undefined {
  const k = /^passAtK\.(\d+)$/.exec(path);
  if (k) return `pass@${k[1]}`;
  return path === 'pass1Greedy' ? 'pass@1_greedy' : undefined;
}

/** A reward function's mean by its own name, as TRL logs it (`rewards.format` → `rewards/format/mean`). */
function rewardName(path: string): string | undefined {
  const name = /^rewards\.(.+)$/.exec(path)?.[1];
  return name === undefined ? undefined : `rewards/${name}/mean`;
}

/** `phaseSeconds.sample` → `phase_seconds/sample`. */
export function snakePath(path: string): string {
  return path
    .split('.')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase())
    .join('/');
}

/** The tag of one field of a step (`train/…`) or eval (`eval/…`) record. */
export function scalarTag(kind: MetricsRecord['kind'], path: string): string {
  const name = (kind === 'eval' ? evalName(path) : rewardName(path)) ?? TRL_NAMES[path] ?? snakePath(path);
  return `${kind === 'step' ? 'train' : 'eval'}/${name}`;
}

/** One TensorBoard scalar. */
export interface Scalar {
  tag: string;
  value: number;
}

/** Every number of `record` as a TensorBoard scalar. */
export function recordScalars(record: MetricsRecord): Scalar[] {
  return numericFields(record).map(({ path, value }) => ({ tag: scalarTag(record.kind, path), value }));
}
