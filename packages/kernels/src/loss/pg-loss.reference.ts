/**
 * Policy-gradient loss with per-token advantages (GRPO / DAPO / Dr. GRPO family), its statistics and
 * its gradient wrt the token logprobs, in one pass.
 *
 * Per response token t (mask m_t = 1), with logp the current policy's logprob of the sampled token:
 *   r_t   = exp(logp_t − oldLogp_t)                                  (PPO ratio; 1 on-policy)
 *           oldLogp null = on-policy: oldLogp_t := logp_t held constant (not differentiated), so
 *           r_t = 1 exactly and its gradient is A·dlogp (TRL's shortcut for one PPO epoch: the
 *           trainer need not recompute old logprobs when they are the current policy's)
 *   pg_t  = −min(r_t·A_t, clip(r_t, 1 − ε_low, 1 + ε_high)·A_t)      (clipped surrogate)
 *   w_t   = min(exp(oldLogp_t − samplerLogp_t), C)                   (truncated IS weight, TRL/verl
 *           "token_truncate": corrects the sampler-vs-trainer mismatch; a constant, no gradient;
 *           w_t = 1 when no samplerLogp/cap is given)
 *   kl_t  = k1: logp_t − refLogp_t,  or  k3: exp(δ) − δ − 1 with δ = refLogp_t − logp_t (TRL/verl
 *           low_var_kl, unclamped)
 *   ℓ_t   = w_t·pg_t + β·kl_t                                        (TRL order: the IS weight
 *           multiplies the surrogate, not the KL term)
 * Gradient: dpg/dlogp = −A·r when the unclipped term is the minimum (ties count as unclipped), else 0;
 * dk1/dlogp = 1; dk3/dlogp = 1 − exp(δ).
 * Aggregation over masked tokens, layout [batch, seqLen] (B = batch, T_b = Σ_t m_bt):
 *   token-mean               L = Σ_bt m ℓ / Σ_bt m                       (DAPO; verl default)
 *   seq-mean-token-mean      L = (1/B') Σ_{b: T_b>0} (Σ_t m ℓ) / T_b     (original GRPO; sequences with
 *                            no response token are left out of the mean, B' = their count)
 *   seq-mean-token-sum-norm  L = (1/B) Σ_b (Σ_t m ℓ) / N                 (Dr. GRPO as in TRL `dr_grpo`:
 *                            N a constant, default seqLen = max completion length; verl divides
 *                            Σ_b by N without the 1/B — a constant factor B apart)
 * An empty batch (no masked token) gives loss 0 and zero gradient, never NaN.
 * Statistics (always token means over masked tokens, whatever the aggregation): clipFraction = share
 * of tokens where the clipped term is strictly smaller (gradient cut); clipLowFraction: A < 0 and
 * r < 1 − ε_low; clipHighFraction: A > 0 and r > 1 + ε_high; klMean = mean kl_t (0 without refLogp).
 * Numerics: f64 throughout, the loss is returned as a JS number; gradLogp has logp's kind. Unmasked
 * tokens may hold anything (even NaN or −∞ padding): they are never read into a result.
 */
import { type Floats, allocLike, at, requireFinite, requireInt, requireLength } from '../arrays.js';
import { KernelReferenceError } from '../errors.js';
import { type PgLossInputs, type PgLossOptions, type PgLossResult, aggregationWeights } from './loss.shared.js';

/** PG loss forward and its gradient wrt the token logprobs, in one pass. */
export function pgLoss<T extends Floats>(inputs: PgLossInputs & { logp: T }, o: PgLossOptions): PgLossResult<T> {
  requireInt('batch', o.batch, 0);
  requireInt('seqLen', o.seqLen, 0);
  const n = o.batch * o.seqLen;
  const layout = '[batch, seqLen]';
  const { logp, oldLogp, advantages, mask } = inputs;
  const refLogp = inputs.refLogp ?? null;
  const samplerLogp = inputs.samplerLogp ?? null;
  requireLength('logp', logp, n, layout);
  if (oldLogp) requireLength('oldLogp', oldLogp, n, layout);
  requireLength('advantages', advantages, n, layout);
  requireLength('mask', mask, n, layout);
  if (refLogp) requireLength('refLogp', refLogp, n, layout);
  if (samplerLogp) requireLength('samplerLogp', samplerLogp, n, layout);
  requireFinite('epsLow', o.epsLow);
  requireFinite('epsHigh', o.epsHigh);
  if (o.epsLow < 0 || o.epsLow >= 1) {
    throw new KernelReferenceError('epsLow', `expected 0 ≤ ε_low < 1, got ${o.epsLow}`);
  }
  if (o.epsHigh < 0) throw new KernelReferenceError('epsHigh', `expected ε_high ≥ 0, got ${o.epsHigh}`);
  requireFinite('beta', o.beta);
  if (o.beta !== 0 && !refLogp) throw new KernelReferenceError('refLogp', `required when beta = ${o.beta} ≠ 0`);
  const cap = o.tisCap ?? null;
  if (cap !== null && !(cap > 0)) throw new KernelReferenceError('tisCap', `expected a cap > 0, got ${cap}`);
  if ((cap === null) !== (samplerLogp === null)) {
    throw new KernelReferenceError('tisCap', 'truncated IS needs both samplerLogp and tisCap (or neither)');
  }
  const normaliser = o.normaliser ?? o.seqLen;
  if (o.aggregation === 'seq-mean-token-sum-norm' && !(normaliser > 0)) {
    throw new KernelReferenceError('normaliser', `expected a constant > 0, got ${normaliser}`);
  }
  const kl = o.kl ?? 'k3';

  const tokenWeight = aggregationWeights(mask, o.batch, o.seqLen, o.aggregation, normaliser);
  let total = 0;
  for (let i = 0; i < n; i++) if (at(mask, i) !== 0) total++;

  const gradLogp = allocLike(logp, n);
  let loss = 0;
  let clipped = 0;
  let clippedLow = 0;
  let clippedHigh = 0;
  let klSum = 0;
  let wSum = 0;
  for (let i = 0; i < n; i++) {
    if (at(mask, i) === 0) continue;
    const lp = at(logp, i);
    const a = at(advantages, i);
    const old = oldLogp ? at(oldLogp, i) : lp;
    const r = Math.exp(lp - old);
    const rc = Math.min(Math.max(r, 1 - o.epsLow), 1 + o.epsHigh);
    const unclipped = r * a;
    const clippedTerm = rc * a;
    let pg: number;
    let dpg: number;
    if (clippedTerm < unclipped) {
      // The clipped branch is the minimum: the surrogate is flat in logp here.
      pg = -clippedTerm;
      dpg = 0;
      clipped++;
      if (a < 0 && r < 1 - o.epsLow) clippedLow++;
      if (a > 0 && r > 1 + o.epsHigh) clippedHigh++;
    } else {
      pg = -unclipped;
      dpg = -unclipped; // d(−r·A)/dlogp = −A·r
    }
    const w = cap === null || samplerLogp === null ? 1 : Math.min(Math.exp(old - at(samplerLogp, i)), cap);
    let k = 0;
    let dk = 0;
    if (refLogp) {
      const delta = at(refLogp, i) - lp;
      if (kl === 'k1') {
        k = -delta;
        dk = 1;
      } else {
        k = Math.exp(delta) - delta - 1;
        dk = 1 - Math.exp(delta);
      }
      klSum += k;
    }
    wSum += w;
    const tw = at(tokenWeight, i);
    loss += tw * (w * pg + o.beta * k);
    gradLogp[i] = tw * (w * dpg + o.beta * dk);
  }
  const frac = (c: number): number => (total === 0 ? 0 : c / total);
  return {
    loss,
    clipFraction: frac(clipped),
    clipLowFraction: frac(clippedLow),
    clipHighFraction: frac(clippedHigh),
    klMean: frac(klSum),
    isWeightMean: total === 0 ? 1 : wSum / total,
    gradLogp,
  };
}
