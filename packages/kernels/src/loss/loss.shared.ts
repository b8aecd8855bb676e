/**
 * What the loss implementations share (references, fast f32 CPU log-softmax, the fused WGSL kernel,
 * both decoder backends): the shapes and options of log-softmax + gather and of the policy-gradient
 * loss, its result types, and the aggregation weights (every aggregation mode is linear in the
 * per-token loss, so one weight per token describes it). The formulas are in pg-loss.reference.ts
 * and log-softmax-gather.reference.ts.
 */
import { type Floats, type Ints, at } from '../arrays.js';

/** Shape and temperature of a log-softmax + gather call. */
export interface LogSoftmaxDims {
  /** Number of tokens (rows). */
  tokens: number;
  /** vocab_size (row length). */
  vocab: number;
  /** Logits are divided by this before the softmax (TRL divides by the sampling temperature); default 1. */
  temperature?: number;
}

/** How per-token losses are reduced to the scalar loss (verl `loss_agg_mode` names). */
export type LossAggregation = 'token-mean' | 'seq-mean-token-mean' | 'seq-mean-token-sum' | 'seq-mean-token-sum-norm';

/**
 * KL estimator to the reference policy: k1 log ratio, k2 half squared log ratio, k3 Schulman's
 * low-variance estimator (TRL's), low-var-kl k3 clamped to [−10, 10] (verl's `low_var_kl`/`k3`).
 */
export type KlEstimator = 'k1' | 'k2' | 'k3' | 'low-var-kl';

/** Where the PPO ratio lives: per token, or one per sequence (GSPO: exp of the mean token log ratio). */
export type ImportanceLevel = 'token' | 'sequence';

/**
 * How the sampler-vs-trainer IS weight is bounded by `tisCap` (TRL `vllm_importance_sampling_mode`):
 * per token or one per sequence (exp of the summed log ratio), truncated at the cap or zeroed above it.
 */
export type TisMode = 'token-truncate' | 'token-mask' | 'sequence-truncate' | 'sequence-mask';

/** Inputs of the PG loss, all [batch, seqLen] row-major over response positions. */
export interface PgLossInputs {
  /** Current policy logprobs of the sampled tokens (the differentiated input). */
  logp: Floats;
  /** Logprobs under the policy that generated the batch, as recomputed by the trainer; null = on-policy (logp itself, held constant). */
  oldLogp: Floats | null;
  /** Per-token advantages (a sequence's advantage broadcast over its tokens for GRPO). */
  advantages: Floats;
  /** Response mask: 1 for tokens in the loss, 0 for prompt/padding. */
  mask: Floats | Uint8Array;
  /** Reference-policy logprobs; required when beta > 0, optional (for klMean) otherwise. */
  refLogp?: Floats | null;
  /** Sampler (inference engine) logprobs for the truncated IS weight; needs `tisCap`. */
  samplerLogp?: Floats | null;
  /** Token entropies (held constant); required when `topEntropyQuantile` < 1. */
  entropy?: Floats | null;
}

/** Options of the PG loss. */
export interface PgLossOptions {
  /** Number of sequences. */
  batch: number;
  /** Padded response length. */
  seqLen: number;
  /** Lower clip ε_low (ratio floor 1 − ε_low); TRL/verl default 0.2. */
  epsLow: number;
  /** Upper clip ε_high (ratio cap 1 + ε_high); DAPO uses 0.28. */
  epsHigh: number;
  /** KL coefficient β (0 = no KL term). */
  beta: number;
  /** KL estimator; default 'k3' (TRL, verl low_var_kl). */
  kl?: KlEstimator;
  /** Truncation cap C of the IS weight; null/undefined = no IS correction. */
  tisCap?: number | null;
  /** How the IS weight is bounded by `tisCap`; default 'token-truncate'. */
  tisMode?: TisMode;
  /** Token ratios (PPO) or one ratio per sequence (GSPO); default 'token'. */
  importanceLevel?: ImportanceLevel;
  /** Dual-clip constant c > 1 (verl `clip_ratio_c`): for A < 0 the surrogate is capped at −c·A; null = off. */
  clipRatioC?: number | null;
  /** Only tokens whose entropy is in the top ρ of the batch's loss tokens carry the surrogate (TRL); 1 = all. */
  topEntropyQuantile?: number;
  /** Loss aggregation mode. */
  aggregation: LossAggregation;
  /** Constant N of seq-mean-token-sum-norm; default seqLen. */
  normaliser?: number;
}

/** Result of the PG loss: scalar loss, statistics and dLoss/dlogp [batch, seqLen]. */
export interface PgLossResult<T extends Floats> {
  /** The aggregated scalar loss. */
  loss: number;
  /** Share of masked tokens whose surrogate was clipped (zero gradient). */
  clipFraction: number;
  /** Share of masked tokens clipped below (A < 0, r < 1 − ε_low). */
  clipLowFraction: number;
  /** Share of masked tokens clipped above (A > 0, r > 1 + ε_high). */
  clipHighFraction: number;
  /** Share of masked tokens whose ratio lies outside [1 − ε_low, 1 + ε_high], whatever the sign of A (TRL's `clip_ratio/region_mean` is clipFraction, low or high). */
  clipRegionFraction: number;
  /** Masked token mean of the KL estimate (0 without refLogp). */
  klMean: number;
  /** Masked token mean of the IS weight w (1 without IS correction). */
  isWeightMean: number;
  /** d loss / d logp, 0 at unmasked tokens. */
  gradLogp: T;
}

/**
 * Weight of each token's loss ℓ_t in the aggregated scalar (every mode is linear in ℓ):
 * token-mean m/Σm; seq-mean-token-mean m/(B'·T_b); seq-mean-token-sum m/B'; seq-mean-token-sum-norm
 * m/(B·N). [batch, seqLen], f64.
 */
export function aggregationWeights(
  mask: ArrayLike<number>,
  batch: number,
  seqLen: number,
  aggregation: LossAggregation,
  normaliser: number = seqLen,
): Float64Array {
  const w = new Float64Array(batch * seqLen);
  const counts = new Float64Array(batch);
  let total = 0;
  let nonEmpty = 0;
  for (let b = 0; b < batch; b++) {
    let count = 0;
    for (let t = 0; t < seqLen; t++) if (at(mask, b * seqLen + t) !== 0) count++;
    counts[b] = count;
    total += count;
    if (count > 0) nonEmpty++;
  }
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < seqLen; t++) {
      const i = b * seqLen + t;
      if (at(mask, i) === 0) continue;
      w[i] =
        aggregation === 'token-mean'
          ? 1 / total
          : aggregation === 'seq-mean-token-mean'
            ? 1 / (nonEmpty * at(counts, b))
            : aggregation === 'seq-mean-token-sum'
              ? 1 / nonEmpty
              : 1 / (batch * normaliser);
    }
  }
  return w;
}

/** Options of {@link pgLossFromLogits}: the PG options plus vocabulary, temperature and entropy bonus. */
export interface PgLossLogitsOptions extends PgLossOptions {
  /** vocab_size. */
  vocab: number;
  /** Logits are divided by this (TRL uses the sampling temperature); default 1. */
  temperature?: number;
  /** Entropy bonus coefficient (verl `entropy_coeff`); default 0. */
  entropyCoef?: number;
}

/** Result of {@link pgLossFromLogits}: the PG result (loss includes the entropy term) plus logits gradient and entropy. */
export interface PgLossLogitsResult<T extends Floats> extends PgLossResult<T> {
  /** Masked token mean of the entropy. */
  entropyMean: number;
  /** Per-token logprobs that the loss used [batch, seqLen]. */
  logp: T;
  /** d loss / d logits [batch·seqLen, vocab]. */
  dlogits: T;
}

/** The log-softmax + gather pair {@link pgLossFromLogits} composes (the reference's by default; the cpu backend passes its f32 ones). */
export interface LogSoftmaxOps<T extends Floats> {
  forward(logits: T, targets: Ints, d: LogSoftmaxDims): { logprob: T; entropy: T };
  backward(logits: T, targets: Ints, gLogprob: Floats | null, gEntropy: Floats | null, d: LogSoftmaxDims): T;
}

/**
 * The first option of `o` (as `field = value`) that the fused per-token loss kernels (the WGSL kernel,
 * the compiled engine's loss graph) do not implement, or null when they implement all of them. Such a
 * loss runs on the reference over the rows' logprobs and entropies instead (a per-sequence ratio, a
 * batch quantile and the newer per-token variants need values of other tokens, or are not in the kernels).
 */
export function referenceOnlyOption(o: PgLossOptions): string | null {
  if ((o.importanceLevel ?? 'token') !== 'token') return `importanceLevel = ${o.importanceLevel}`;
  if (o.clipRatioC !== undefined && o.clipRatioC !== null) return `clipRatioC = ${o.clipRatioC}`;
  if ((o.tisMode ?? 'token-truncate') !== 'token-truncate') return `tisMode = ${o.tisMode}`;
  if ((o.topEntropyQuantile ?? 1) !== 1) return `topEntropyQuantile = ${o.topEntropyQuantile}`;
  const kl = o.kl ?? 'k3';
  if (kl !== 'k1' && kl !== 'k3') return `kl = ${kl}`;
  return null;
}
