/**
 * Policy-gradient loss with per-token advantages (GRPO / DAPO / Dr. GRPO / GSPO family), its statistics
 * and its gradient wrt the token logprobs, in one pass.
 *
 * Per response token t of sequence b (mask m_t = 1, T_b = Σ_t m_t), with logp the current policy's
 * logprob of the sampled token:
 *   r_t   = exp(logp_t − oldLogp_t)                                  (PPO ratio; importanceLevel token)
 *         = s_b = exp((1/T_b) Σ_t' m_t' (logp_t' − oldLogp_t'))      (GSPO; importanceLevel sequence:
 *           one ratio per sequence, the geometric mean of its token ratios, TRL
 *           `importance_sampling_level: sequence`)
 *           oldLogp null = on-policy: oldLogp_t := logp_t held constant (not differentiated), so
 *           r_t = 1 exactly and its gradient is A·dlogp (TRL's shortcut for one PPO epoch: the
 *           trainer need not recompute old logprobs when they are the current policy's)
 *   pg_t  = max(−r_t·A_t, −clip(r_t, 1 − ε_low, 1 + ε_high)·A_t)      (clipped surrogate)
 *           dual clip (c = clipRatioC, verl `clip_ratio_c`): for A_t < 0, pg_t := min(pg_t, −c·A_t)
 *   w_t   = IS weight from ρ = exp(oldLogp_t − samplerLogp_t) (token modes) or
 *           ρ_b = exp(Σ_t m_t (oldLogp_t − samplerLogp_t)) (sequence modes, the same for all of b's
 *           tokens), bounded by the cap C: truncate min(ρ, C), mask ρ·[ρ ≤ C] (TRL
 *           `vllm_importance_sampling_mode`; corrects the sampler-vs-trainer mismatch; a constant,
 *           no gradient; w_t = 1 when no samplerLogp/cap is given)
 *   e_t   = 1, or with topEntropyQuantile ρ < 1: [H_t ≥ q] with q the (1 − ρ) quantile (linear
 *           interpolation between order statistics, as torch.quantile) of the entropies H of the
 *           batch's loss tokens (TRL `top_entropy_quantile`; H is an input, held constant)
 *   kl_t  = k1: logp_t − refLogp_t;  k2: ½(logp_t − refLogp_t)²;  k3: exp(δ) − δ − 1 with
 *           δ = refLogp_t − logp_t (TRL);  low-var-kl: k3 clamped to [−10, 10] (verl `low_var_kl`)
 *   ℓ_t   = e_t·w_t·pg_t + β·kl_t                                    (TRL order: entropy mask and IS
 *           weight multiply the surrogate, not the KL term)
 * Gradient: with g_t = d pg_t / d r = −A_t where the unclipped term is the one taken (ties count as
 * unclipped), else 0, and tw_t the aggregation weight: token level d L/d logp_t = tw_t·e_t·w_t·g_t·r_t;
 * sequence level every token of b gets (s_b/T_b)·Σ_t' tw_t'·e_t'·w_t'·g_t'. Plus β·tw_t·dkl_t with
 * dk1 = 1, dk2 = logp − ref, dk3 = 1 − exp(δ), d low-var-kl = dk3 inside the clamp, 0 where it clamps.
 * Aggregation over masked tokens, layout [batch, seqLen] (B = batch, B' = sequences with T_b > 0):
 *   token-mean               L = Σ_bt m ℓ / Σ_bt m                       (DAPO; verl default)
 *   seq-mean-token-mean      L = (1/B') Σ_{b: T_b>0} (Σ_t m ℓ) / T_b     (original GRPO)
 *   seq-mean-token-sum       L = (1/B') Σ_b Σ_t m ℓ                      (verl)
 *   seq-mean-token-sum-norm  L = (1/B) Σ_b (Σ_t m ℓ) / N                 (Dr. GRPO as in TRL `dr_grpo`:
 *                            N a constant, default seqLen = max completion length; verl divides
 *                            Σ_b by N without the 1/B — a constant factor B apart)
 * An empty batch (no masked token) gives loss 0 and zero gradient, never NaN.
 * Statistics (always token means over masked tokens, whatever the aggregation): clipFraction = share
 * of tokens where a clipped term is taken (gradient cut, dual clip included); clipLowFraction: A < 0
 * and r < 1 − ε_low; clipHighFraction: A > 0 and r > 1 + ε_high; clipRegionFraction: r outside
 * [1 − ε_low, 1 + ε_high]; klMean = mean kl_t (0 without refLogp); isWeightMean = mean w_t.
 * Numerics: f64 throughout, the loss is returned as a JS number; gradLogp has logp's kind. Unmasked
 * tokens may hold anything (even NaN or −∞ padding): they are never read into a result.
 */
import { type Floats, allocLike, at, requireFinite, requireInt, requireLength } from '../arrays.js';
import { KernelReferenceError } from '../errors.js';
import {
  type KlEstimator,
  type PgLossInputs,
  type PgLossOptions,
  type PgLossResult,
  type TisMode,
  aggregationWeights,
} from './loss.shared.js';

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
  const clipC = o.clipRatioC ?? null;
  if (clipC !== null && !(clipC > 1)) throw new KernelReferenceError('clipRatioC', `expected c > 1, got ${clipC}`);
  const rho = o.topEntropyQuantile ?? 1;
  if (!(rho > 0 && rho <= 1)) throw new KernelReferenceError('topEntropyQuantile', `expected 0 < ρ ≤ 1, got ${rho}`);
  const entropy = inputs.entropy ?? null;
  if (rho < 1 && !entropy) throw new KernelReferenceError('entropy', `required when topEntropyQuantile = ${rho} < 1`);
  if (entropy) requireLength('entropy', entropy, n, layout);
  const kl = o.kl ?? 'k3';
  const tisMode = o.tisMode ?? 'token-truncate';
  const sequenceRatio = (o.importanceLevel ?? 'token') === 'sequence';

  const tokenWeight = aggregationWeights(mask, o.batch, o.seqLen, o.aggregation, normaliser);
  let total = 0;
  for (let i = 0; i < n; i++) if (at(mask, i) !== 0) total++;
  const oldAt = (i: number): number => (oldLogp ? at(oldLogp, i) : at(logp, i));
  // Per-sequence values: token count, GSPO's mean log ratio, the sequence IS log weight.
  const count = new Float64Array(o.batch);
  const meanLogRatio = new Float64Array(o.batch);
  const seqLogWeight = new Float64Array(o.batch);
  for (let b = 0; b < o.batch; b++) {
    let c = 0;
    let lr = 0;
    let lw = 0;
    for (let t = 0; t < o.seqLen; t++) {
      const i = b * o.seqLen + t;
      if (at(mask, i) === 0) continue;
      c++;
      lr += at(logp, i) - oldAt(i);
      if (samplerLogp) lw += oldAt(i) - at(samplerLogp, i);
    }
    count[b] = c;
    meanLogRatio[b] = c === 0 ? 0 : lr / c;
    seqLogWeight[b] = lw;
  }
  const threshold = rho < 1 && entropy ? entropyQuantile(entropy, mask, 1 - rho) : -Infinity;

  const gradLogp = allocLike(logp, n);
  // Sequence level: Σ_t tw·e·w·g of each sequence, spread over its tokens after the loop.
  const seqGrad = new Float64Array(o.batch);
  let loss = 0;
  let clipped = 0;
  let clippedLow = 0;
  let clippedHigh = 0;
  let region = 0;
  let klSum = 0;
  let wSum = 0;
  for (let i = 0; i < n; i++) {
    if (at(mask, i) === 0) continue;
    const b = Math.floor(i / o.seqLen);
    const lp = at(logp, i);
    const a = at(advantages, i);
    const old = oldAt(i);
    const r = sequenceRatio ? Math.exp(at(meanLogRatio, b)) : Math.exp(lp - old);
    const rc = Math.min(Math.max(r, 1 - o.epsLow), 1 + o.epsHigh);
    // pg = max(−r·A, −rc·A); g = d pg/d r (−A where the unclipped term is taken, else 0).
    // A token counts as clipped only where a clipped term is strictly taken: at A = 0 both terms tie
    // (and g is 0 without any clipping), as TRL and verl count it.
    let pg = -r * a;
    let g = -a;
    let clippedTaken = false;
    if (-rc * a > pg) {
      pg = -rc * a;
      g = 0;
      clippedTaken = true;
    }
    if (clipC !== null && a < 0 && -clipC * a < pg) {
      pg = -clipC * a;
      g = 0;
      clippedTaken = true;
    }
    if (clippedTaken) clipped++;
    if (a < 0 && r < 1 - o.epsLow) clippedLow++;
    if (a > 0 && r > 1 + o.epsHigh) clippedHigh++;
    if (r < 1 - o.epsLow || r > 1 + o.epsHigh) region++;
    const w =
      cap === null || samplerLogp === null ? 1 : isWeight(tisMode, old - at(samplerLogp, i), at(seqLogWeight, b), cap);
    const e = entropy && at(entropy, i) < threshold ? 0 : 1;
    let k = 0;
    let dk = 0;
    if (refLogp) {
      [k, dk] = klEstimate(kl, lp, at(refLogp, i));
      klSum += k;
    }
    wSum += w;
    const tw = at(tokenWeight, i);
    loss += tw * (e * w * pg + o.beta * k);
    if (sequenceRatio) seqGrad[b] = at(seqGrad, b) + tw * e * w * g;
    gradLogp[i] = tw * ((sequenceRatio ? 0 : e * w * g * r) + o.beta * dk);
  }
  if (sequenceRatio) {
    for (let i = 0; i < n; i++) {
      if (at(mask, i) === 0) continue;
      const b = Math.floor(i / o.seqLen);
      // d s_b/d logp_t = s_b/T_b for every token t of b.
      gradLogp[i] = at(gradLogp, i) + (at(seqGrad, b) * Math.exp(at(meanLogRatio, b))) / at(count, b);
    }
  }
  const frac = (c: number): number => (total === 0 ? 0 : c / total);
  return {
    loss,
    clipFraction: frac(clipped),
    clipLowFraction: frac(clippedLow),
    clipHighFraction: frac(clippedHigh),
    clipRegionFraction: frac(region),
    klMean: frac(klSum),
    isWeightMean: total === 0 ? 1 : wSum / total,
    gradLogp,
  };
}

/** The IS weight of a token from its log ratio old − sampler, its sequence's summed log ratio and the cap. */
function isWeight(mode: TisMode, tokenLogRatio: number, seqLogRatio: number, cap: number): number {
  const ratio = Math.exp(mode === 'token-truncate' || mode === 'token-mask' ? tokenLogRatio : seqLogRatio);
  if (mode === 'token-truncate' || mode === 'sequence-truncate') return Math.min(ratio, cap);
  return ratio > cap ? 0 : ratio;
}

/** The KL estimate of one token (logprob `lp`, reference logprob `ref`) and its derivative wrt lp. */
export function klEstimate(kl: KlEstimator, lp: number, ref: number): [number, number] {
  const delta = ref - lp;
  if (kl === 'k1') return [-delta, 1];
  if (kl === 'k2') return [0.5 * delta * delta, -delta];
  const k3 = Math.exp(delta) - delta - 1;
  const dk3 = 1 - Math.exp(delta);
  if (kl === 'k3') return [k3, dk3];
  // low-var-kl: k3 ≥ 0, so only the upper clamp can bind; the clamped value is flat.
  return k3 > LOW_VAR_KL_BOUND ? [LOW_VAR_KL_BOUND, 0] : [k3, dk3];
}

/** verl's clamp of the low-variance KL estimate. */
export const LOW_VAR_KL_BOUND = 10;

/**
 * The q quantile of the entropies of the loss tokens (mask ≠ 0), linear interpolation between the
 * order statistics at position q·(n − 1) as torch.quantile's default; −∞ over no token.
 */
export function entropyQuantile(entropy: ArrayLike<number>, mask: ArrayLike<number>, q: number): number {
  const values: number[] = [];
  for (let i = 0; i < mask.length; i++) if (at(mask, i) !== 0) values.push(at(entropy, i));
  if (values.length === 0) return -Infinity;
  values.sort((x, y) => x - y);
  const pos = q * (values.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, values.length - 1);
  return values[lo]! + (pos - lo) * (values[hi]! - values[lo]!);
}
