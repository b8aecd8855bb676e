/**
 * The trainer's view of one policy-gradient micro-batch, shared by both backends of `DecoderModel`.
 *
 * Sequences are prompt + completion tokens [batch, seq] with an attention mask (left or right padding).
 * Per-token values follow TRL's shifted convention, [batch, seq − 1]: entry [b, s] belongs to token
 * tokens[b, s + 1], whose logprob comes from the logits at position s. Internally both backends run the
 * fused loss over all batch·seq logits rows, so the per-token values are padded with a zero (masked)
 * last column: {@link padShifted} and {@link unpadShifted} convert between the two layouts.
 */
import type { PgLossLogitsOptions, PgLossLogitsResult } from '../loss/loss.shared.js';
import type { Ints } from '../arrays.js';
import { DecoderModelError } from '../decoder/errors.js';

/** One micro-batch of the PG loss (see the module comment for the layouts). */
export interface PolicyBatch {
  /** Token ids [batch, seq]: prompt followed by the sampled completion, padded. */
  tokens: Ints;
  /** Attention mask [batch, seq]: 1 = token, 0 = padding. */
  attentionMask: Ints;
  /** Number of sequences. */
  batch: number;
  /** Padded sequence length (≥ 2). */
  seq: number;
  /** Loss mask [batch, seq − 1]: 1 for completion tokens in the loss, 0 for prompt and padding. */
  lossMask: ArrayLike<number>;
  /** Per-token advantages [batch, seq − 1] (a sequence's advantage broadcast over its tokens for GRPO). */
  advantages: ArrayLike<number>;
  /**
   * Logprobs [batch, seq − 1] under the policy that sampled the batch, as recomputed by the trainer;
   * omitted or null = on-policy: the loss's own logprobs held constant (ratio 1), exact when the
   * weights have not moved since sampling (one PPO epoch, one mini-batch) and one forward cheaper.
   */
  oldLogp?: ArrayLike<number> | null;
  /** Reference-policy logprobs [batch, seq − 1]; required when beta ≠ 0. */
  refLogp?: ArrayLike<number> | null;
  /** Sampler (inference engine) logprobs [batch, seq − 1] for the truncated IS weight; needs tisCap. */
  samplerLogp?: ArrayLike<number> | null;
}

/**
 * Loss configuration of `DecoderModel.policyLoss`: the reference PG loss's options (PPO clip ε_low/ε_high,
 * KL β and estimator, truncated IS cap, aggregation, normaliser, temperature, entropy bonus) without the
 * shapes, which come from the batch. `normaliser` defaults to seq − 1, the per-token slots of the
 * shifted layout; a trainer normally passes its max completion length (Dr. GRPO's constant).
 */
export type PolicyLossConfig = Omit<PgLossLogitsOptions, 'batch' | 'seqLen' | 'vocab'>;

/** Options of `DecoderModel.policyLoss`. */
export interface PolicyLossOptions extends PolicyLossConfig {
  /** Add this micro-batch's gradients to those accumulated since the last step instead of replacing them. */
  accumulate?: boolean;
  /**
   * The gradients are those of lossScale · loss (default 1): a micro-batch's share of the whole batch,
   * e.g. its loss tokens / all loss tokens for token-mean over several micro-batches. The returned
   * `loss` and statistics are the micro-batch's own, unscaled.
   */
  lossScale?: number;
}

/** Check a lossScale option (finite, > 0); returns it or 1. */
export function checkedLossScale(scale: number | undefined): number {
  if (scale === undefined) return 1;
  if (!(Number.isFinite(scale) && scale > 0)) {
    throw new DecoderModelError(`policyLoss: lossScale must be finite and > 0, got ${scale}`);
  }
  return scale;
}

/**
 * What `DecoderModel.policyLoss` returns: the reference PG loss's scalar loss and statistics (clip
 * fractions, KL and IS-weight means, entropy mean) and the policy's logprobs [batch, seq − 1], without
 * the gradients (they stay in the model).
 */
export type PolicyLossStats = Omit<PgLossLogitsResult<Float32Array>, 'gradLogp' | 'dlogits'>;

/** The PG loss's result in the batch's shifted layout (shared by both backends' `policyLoss`). */
export function policyLossStats(
  r: Omit<PolicyLossStats, 'logp'> & { logp: ArrayLike<number> },
  batch: number,
  seq: number,
): PolicyLossStats {
  return {
    loss: r.loss,
    clipFraction: r.clipFraction,
    clipLowFraction: r.clipLowFraction,
    clipHighFraction: r.clipHighFraction,
    clipRegionFraction: r.clipRegionFraction,
    klMean: r.klMean,
    isWeightMean: r.isWeightMean,
    entropyMean: r.entropyMean,
    logp: unpadShifted(r.logp, batch, seq),
  };
}

/** Token logprobs and entropies [batch, seq − 1] of `DecoderModel.tokenLogprobs`. */
export interface TokenLogprobs {
  /** log p(tokens[b, s + 1] | tokens[b, ≤ s]). */
  logprob: Float32Array;
  /** Entropy of the distribution at position s. */
  entropy: Float32Array;
}

/** Per-token [batch·seq] arrays of a checked {@link PolicyBatch}, padded with a masked last column. */
export interface PaddedPolicyInputs {
  /** Next-token ids per logits row (the last column holds 0, a valid id that is masked out). */
  targets: Int32Array;
  mask: Float32Array;
  advantages: Float32Array;
  oldLogp: Float32Array | null;
  refLogp: Float32Array | null;
  samplerLogp: Float32Array | null;
}

/** Next-token targets per logits row, [batch·seq]: targets[b, s] = tokens[b, s + 1], last column 0. */
export function shiftedTargets(ids: Ints, batch: number, seq: number): Int32Array {
  const out = new Int32Array(batch * seq);
  for (let b = 0; b < batch; b++) for (let s = 0; s + 1 < seq; s++) out[b * seq + s] = ids[b * seq + s + 1]!;
  return out;
}

/** [batch, seq − 1] → [batch·seq] with a zero last column. */
export function padShifted(values: ArrayLike<number>, batch: number, seq: number): Float32Array {
  const out = new Float32Array(batch * seq);
  for (let b = 0; b < batch; b++) for (let s = 0; s + 1 < seq; s++) out[b * seq + s] = values[b * (seq - 1) + s]!;
  return out;
}

/** [batch·seq] → [batch, seq − 1], dropping the last column. */
export function unpadShifted(values: ArrayLike<number>, batch: number, seq: number): Float32Array {
  const out = new Float32Array(batch * (seq - 1));
  for (let b = 0; b < batch; b++) for (let s = 0; s + 1 < seq; s++) out[b * (seq - 1) + s] = values[b * seq + s]!;
  return out;
}

/**
 * Check a batch's per-token arrays (lengths, 0/1 loss mask, finite values where the mask is 1, loss
 * tokens only where the attention mask has both tokens) and pad them to [batch·seq]. Errors name the
 * array and the first bad entry. Token ids and the attention mask are checked by the forward.
 */
export function padPolicyBatch(p: PolicyBatch, config: PolicyLossConfig): PaddedPolicyInputs {
  const { batch, seq } = p;
  if (!Number.isInteger(batch) || batch < 1) {
    throw new DecoderModelError(`policy batch: batch must be an integer ≥ 1, got ${batch}`);
  }
  if (!Number.isInteger(seq) || seq < 2) {
    throw new DecoderModelError(`policy batch: seq must be an integer ≥ 2 (a token and its successor), got ${seq}`);
  }
  if (p.tokens.length !== batch * seq) {
    throw new DecoderModelError(
      `policy batch: tokens has ${p.tokens.length} entries; expected [batch ${batch}, seq ${seq}] = ${batch * seq}`,
    );
  }
  if (p.attentionMask.length !== batch * seq) {
    throw new DecoderModelError(
      `policy batch: attentionMask has ${p.attentionMask.length} entries; expected ${batch * seq}`,
    );
  }
  const n = batch * (seq - 1);
  const named: [string, ArrayLike<number> | null | undefined][] = [
    ['lossMask', p.lossMask],
    ['advantages', p.advantages],
    ['oldLogp', p.oldLogp],
    ['refLogp', p.refLogp],
    ['samplerLogp', p.samplerLogp],
  ];
  for (const [name, a] of named) {
    if (a && a.length !== n) {
      throw new DecoderModelError(
        `policy batch: ${name} has ${a.length} entries; expected [batch ${batch}, seq − 1 = ${seq - 1}] = ${n}`,
      );
    }
  }
  if (config.beta !== 0 && !p.refLogp) {
    throw new DecoderModelError(`policy batch: refLogp is required when beta = ${config.beta} ≠ 0`);
  }
  const hasCap = config.tisCap !== undefined && config.tisCap !== null;
  if (hasCap !== Boolean(p.samplerLogp)) {
    throw new DecoderModelError('policy batch: truncated IS needs both samplerLogp and tisCap (or neither)');
  }
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s + 1 < seq; s++) {
      const i = b * (seq - 1) + s;
      const m = p.lossMask[i];
      if (m !== 0 && m !== 1) throw new DecoderModelError(`policy batch: lossMask[${i}] must be 0 or 1, got ${m}`);
      if (m === 0) continue;
      if (p.attentionMask[b * seq + s] !== 1 || p.attentionMask[b * seq + s + 1] !== 1) {
        throw new DecoderModelError(
          `policy batch: lossMask[${i}] = 1 but token ${s + 1} of sequence ${b} or its predecessor is padding`,
        );
      }
      for (const [name, a] of named.slice(1)) {
        if (a && !Number.isFinite(a[i])) {
          throw new DecoderModelError(`policy batch: ${name}[${i}] is ${a[i]} at a loss token`);
        }
      }
    }
  }
  return {
    targets: shiftedTargets(p.tokens, batch, seq),
    mask: padShifted(p.lossMask, batch, seq),
    advantages: padShifted(p.advantages, batch, seq),
    oldLogp: p.oldLogp ? padShifted(p.oldLogp, batch, seq) : null,
    refLogp: p.refLogp ? padShifted(p.refLogp, batch, seq) : null,
    samplerLogp: p.samplerLogp ? padShifted(p.samplerLogp, batch, seq) : null,
  };
}

/** The PG-loss options over padded [batch·seq] rows: normaliser defaults to seq − 1 (the unpadded slots). */
export function paddedLossOptions(
  config: PolicyLossConfig,
  batch: number,
  seq: number,
): PolicyLossConfig & { batch: number; seqLen: number; normaliser: number } {
  return { ...config, batch, seqLen: seq, normaliser: config.normaliser ?? seq - 1 };
}
