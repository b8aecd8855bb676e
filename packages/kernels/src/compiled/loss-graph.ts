/**
 * The policy-gradient loss's gradient wrt each row's logprob as ONNX nodes, so that the compiled engine
 * runs forward, loss gradient and backward of a micro-batch in one ONNX Runtime call (no activation
 * crosses into JS). It is the gradient of pg-loss.reference.ts per token,
 *   d loss/d logp_t = tw_t·(w_t·dpg_t + β·dkl_t),
 * and of the entropy bonus, d loss/d H_t = −coef·tw_t, with tw_t the aggregation weight (0 at masked
 * tokens) given by the caller from the reference's `aggregationWeights`. The loss value and its
 * statistics stay with the reference loss, run on the graph's logprobs and entropies.
 */
import type { OnnxGraphBuilder, OnnxValueInfo } from '@rlvr/core';
import type { KlEstimator } from '../loss/loss.shared.js';

/** Names of the loss graph's inputs (all [tokens] in the padded layout, or scalars). */
export const LOSS_GRAPH_IO = {
  advantages: 'advantages',
  /** The aggregation weight of each token's loss, 0 at tokens outside the loss. */
  tokenWeight: 'token_weight',
  /** Logprobs of the sampler (inference engine), for the truncated IS weight (TIS variants only). */
  samplerLogp: 'sampler_logp',
  /** Logprobs of the policy that sampled the batch (off-policy variants only). */
  oldLogp: 'old_logp',
  /** Reference-policy logprobs (KL variants only). */
  refLogp: 'ref_logp',
  /** Scalars: clip range, KL coefficient, IS cap, entropy coefficient. */
  epsLow: 'eps_low',
  epsHigh: 'eps_high',
  beta: 'kl_beta',
  tisCap: 'tis_cap',
  entropyCoef: 'entropy_coef',
} as const;

/** What changes the loss gradient's structure (everything else is an input). */
export interface LossGraphVariant {
  /** oldLogp = logp held constant: ratio 1, never clipped, d pg/d logp = −A. */
  onPolicy: boolean;
  /** The KL term's estimator, or none when β = 0 (the term has no gradient then). */
  kl: KlEstimator | 'none';
  /** Truncated IS correction w = min(exp(old − sampler), cap). */
  tis: boolean;
  /** An entropy bonus (coefficient ≠ 0). */
  entropy: boolean;
}

/** A key naming a variant (for caching its session). */
export function lossVariantKey(v: LossGraphVariant): string {
  return `${v.onPolicy ? 'on' : 'off'}-policy.kl-${v.kl}${v.tis ? '.tis' : ''}${v.entropy ? '.entropy' : ''}`;
}

/**
 * Record d loss/d logprob of `logprob` [tokens] into `g` as the value named `outputs.logprob`, and with
 * an entropy bonus d loss/d entropy as `outputs.entropy`; returns the graph inputs it reads (besides
 * `logprob`).
 */
export function recordLossGradient(
  g: OnnxGraphBuilder,
  variant: LossGraphVariant,
  logprob: string,
  outputs: { logprob: string; entropy: string },
): OnnxValueInfo[] {
  const io = LOSS_GRAPH_IO;
  const perToken = (name: string): OnnxValueInfo => ({ name, dims: ['tokens'] });
  const scalar = (name: string): OnnxValueInfo => ({ name, dims: [] });
  const inputs: OnnxValueInfo[] = [perToken(io.advantages), perToken(io.tokenWeight)];
  const zero = g.float(0);
  let dpg: string;
  if (variant.onPolicy) {
    dpg = g.op('Neg', [io.advantages]);
  } else {
    inputs.push(perToken(io.oldLogp), scalar(io.epsLow), scalar(io.epsHigh));
    const ratio = g.op('Exp', [g.op('Sub', [logprob, io.oldLogp])]);
    const unclipped = g.op('Mul', [ratio, io.advantages]);
    const low = g.op('Sub', [g.float(1), io.epsLow]);
    const high = g.op('Add', [g.float(1), io.epsHigh]);
    const clipped = g.op('Mul', [g.op('Clip', [ratio, low, high]), io.advantages]);
    // Where the clipped term is strictly the smaller one the surrogate is flat (ties count as unclipped).
    dpg = g.op('Where', [g.op('Less', [clipped, unclipped]), zero, g.op('Neg', [unclipped])]);
  }
  let perTokenGrad = dpg;
  if (variant.tis) {
    // w = min(exp(old − sampler), C), a constant (old = logp itself on-policy).
    inputs.push(perToken(io.samplerLogp), scalar(io.tisCap));
    const old = variant.onPolicy ? logprob : io.oldLogp;
    const w = g.op('Min', [g.op('Exp', [g.op('Sub', [old, io.samplerLogp])]), io.tisCap]);
    perTokenGrad = g.op('Mul', [w, dpg]);
  }
  if (variant.kl !== 'none') {
    inputs.push(perToken(io.refLogp), scalar(io.beta));
    // dk1/dlogp = 1; dk3/dlogp = 1 − exp(ref − logp).
    const dkl =
      variant.kl === 'k1' ? g.float(1) : g.op('Sub', [g.float(1), g.op('Exp', [g.op('Sub', [io.refLogp, logprob])])]);
    perTokenGrad = g.op('Add', [perTokenGrad, g.op('Mul', [io.beta, dkl])]);
  }
  // Tokens outside the loss get exactly 0 (their inputs may hold anything, even −∞ padding).
  const inLoss = g.op('Greater', [io.tokenWeight, zero]);
  g.op('Where', [inLoss, g.op('Mul', [io.tokenWeight, perTokenGrad]), zero], [], outputs.logprob);
  if (variant.entropy) {
    inputs.push(scalar(io.entropyCoef));
    g.op('Mul', [g.op('Neg', [io.entropyCoef]), io.tokenWeight], [], outputs.entropy);
  }
  return inputs;
}
