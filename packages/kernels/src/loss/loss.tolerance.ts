/**
 * Tolerances of the fused log-softmax / PG-loss kernel against the f64 references, per element,
 * derived from a first-order error analysis of the f32 kernel (u = 2⁻²⁴) with the reference's own
 * f64 quantities (x_j = log p_j, H, p_j) as magnitudes:
 *  - x_j = (z_j − m) − log s: the sum s runs over R = ⌈V/WG⌉ strided terms per invocation then
 *    log₂ WG tree levels, each rescaled by one exp (split layout: ⌈min(chunk, V)/WG⌉ terms, log₂ WG
 *    levels, then the row's ⌈V/chunk⌉ chunk states merged in sequence; R counts all of them), so s
 *    has relative error ≤ (R + 8)·u (first order),
 *    log s absolute error ≤ (R + 8)·u + 8u (Vulkan: log is 3 ulp, or 2⁻²¹ absolute near 1); the two
 *    subtractions add u·(|z_j − m| + log s) ≤ 2u·(|x_j| + log V). With temperature ≠ 1 the divisions
 *    z = x/T (2.5 ulp) add 4u·(|z_j| + |m|). → E_x(j).
 *  - p_j = exp(x_j): relative error E_x(j) + (3 + 2|x_j|)·u (Vulkan's exp precision). → δp_j.
 *  - H = log s − t/s where t/s = Σp·(z − m) = E_p[|x|] − log s is a weighted mean: relative error
 *    (R + 8)·u on both, so |δH| ≤ (R + 8 + 2 log V)·u·(2 + 2H) (+ the temperature term). → E_H.
 *  - dlogits_j = (gl·(δ − p_j) − ge·p_j·(x_j + H))/T: |δ| ≤ |gl|·δp_j + |δgl|·(p_j + δ_j)
 *    + |ge|·(δp_j·(|x_j| + H) + p_j·(E_x(j) + E_H)) + u·|dlogits_j|.
 * Every bound is multiplied by a safety factor 4 (second-order terms, the reduction's FMA contraction).
 * The bounds stay far below a bug's size: a wrong index, a missing rescale or a wrong temperature
 * gives errors of order p_j or of the logprob itself, while E_x is ≤ 1e-4 even at V = 151,936.
 * Non-finite references (−∞ logprobs of all −∞ rows) must match exactly (tolerance 0).
 */
import { type PgLossLogitsOptions } from './loss.shared.js';
import type { LossLayout } from './loss.gpu.js';
import { aggregationWeights } from './loss.shared.js';

const U = 2 ** -24;
const SAFETY = 4;

/** Per-row f64 softmax quantities: max, log s, entropy. */
function rowStats(
  logits: ArrayLike<number>,
  r: number,
  vocab: number,
  temperature: number,
): { m: number; logS: number; h: number; maxAbs: number } {
  let m = -Infinity;
  let maxAbs = 0;
  for (let j = 0; j < vocab; j++) {
    const z = logits[r * vocab + j]! / temperature;
    m = Math.max(m, z);
    if (Number.isFinite(z)) maxAbs = Math.max(maxAbs, Math.abs(z));
  }
  if (m === -Infinity) return { m, logS: 0, h: 0, maxAbs };
  let s = 0;
  for (let j = 0; j < vocab; j++) s += Math.exp(logits[r * vocab + j]! / temperature - m);
  const logS = Math.log(s);
  let h = 0;
  for (let j = 0; j < vocab; j++) {
    const x = logits[r * vocab + j]! / temperature - m - logS;
    if (x !== -Infinity) h -= Math.exp(x) * x;
  }
  return { m, logS, h, maxAbs };
}

/** Rescaled additions in a row's sum s: per invocation, tree levels, chunk merges (a number = row layout with that workgroup). */
function reductionLength(layout: number | LossLayout, vocab: number): number {
  const { workgroup, chunk } = typeof layout === 'number' ? { workgroup: layout, chunk: null } : layout;
  if (chunk === null) return Math.ceil(vocab / workgroup) + Math.log2(workgroup);
  return Math.ceil(Math.min(chunk, vocab) / workgroup) + Math.log2(workgroup) + Math.ceil(vocab / chunk);
}

/** Tolerances of logprob, entropy [tokens] and dlogits [tokens, vocab] (see the file comment); `layout` as the kernel ran (a number: row layout, that workgroup). */
export function logSoftmaxTolerances(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  d: { tokens: number; vocab: number; temperature?: number },
  gLogprob: ArrayLike<number> | null,
  gEntropy: ArrayLike<number> | null,
  layout: number | LossLayout,
  gLogprobError: ArrayLike<number> | null = null,
): { logprob: Float64Array; entropy: Float64Array; dlogits: Float64Array } {
  const { tokens, vocab } = d;
  const temperature = d.temperature ?? 1;
  const reduction = reductionLength(layout, vocab) + 8;
  const logV = Math.log(vocab);
  const logprob = new Float64Array(tokens);
  const entropy = new Float64Array(tokens);
  const dlogits = new Float64Array(tokens * vocab);
  for (let r = 0; r < tokens; r++) {
    const { m, logS, h, maxAbs } = rowStats(logits, r, vocab, temperature);
    if (m === -Infinity) continue; // exact: −∞, 0 and zeros
    const tempTerm = (z: number): number => (temperature === 1 ? 0 : 4 * (Math.abs(z) + Math.abs(m)));
    const ex = (z: number, x: number): number => U * (reduction + 8 + 4 * Math.abs(x) + 2 * logV + tempTerm(z));
    const eh = U * (reduction + 2 * logV) * (2 + 2 * h) + U * tempTerm(maxAbs);
    const target = targets[r]!;
    const zt = logits[r * vocab + target]! / temperature;
    logprob[r] = SAFETY * ex(zt, zt - m - logS);
    entropy[r] = SAFETY * eh + 1e-30;
    const gl = Math.abs(gLogprob ? gLogprob[r]! : 0);
    const ge = Math.abs(gEntropy ? gEntropy[r]! : 0);
    const dgl = gLogprobError ? gLogprobError[r]! : 0;
    for (let j = 0; j < vocab; j++) {
      const z = logits[r * vocab + j]! / temperature;
      if (z === -Infinity) {
        dlogits[r * vocab + j] = j === target ? (SAFETY * (U * gl + dgl)) / temperature + 1e-30 : 0;
        continue;
      }
      const x = z - m - logS;
      const p = Math.exp(x);
      const exj = ex(z, x);
      const dp = p * (exj + U * (3 + 2 * Math.abs(x)));
      const delta = j === target ? 1 : 0;
      const value = (gl * (delta + p) + ge * p * (Math.abs(x) + h)) / temperature;
      dlogits[r * vocab + j] =
        (SAFETY * (gl * (dp + U * delta) + dgl * (p + delta) + ge * (dp * (Math.abs(x) + h + 1) + p * (exj + eh)))) /
          temperature +
        U * value +
        1e-30;
    }
  }
  return { logprob, entropy, dlogits };
}

/**
 * Tolerances of the PG loss on top (first order in the logprob error ε_t of each token): the ratio
 * r = exp(logp − oldLogp) has relative error ε_t + 8u, so the per-token gradient gl_t = tw·(w·dpg + β·dk)
 * moves by tw·(w·|A|·r + β·(1 + e^δ))·(ε_t + 8u) and the loss by Σ tw·(w·|A|·r·(ε_t + 8u)
 * + β·(|dk|·ε_t + 8u·(|kl| + 1)) + coef·ε_H,t) + 8u·Σ|ℓ_t|. Returns those and the dlogits tolerances
 * with gl's error carried into them.
 */
export function pgLossTolerances(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  inputs: {
    oldLogp: ArrayLike<number> | null;
    advantages: ArrayLike<number>;
    mask: ArrayLike<number>;
    refLogp?: ArrayLike<number> | null;
    samplerLogp?: ArrayLike<number> | null;
  },
  o: PgLossLogitsOptions,
  ref: { logp: ArrayLike<number>; gradLogp: ArrayLike<number> },
  layout: number | LossLayout,
): { loss: number; logprob: Float64Array; entropy: Float64Array; dlogits: Float64Array } {
  const tokens = o.batch * o.seqLen;
  const dims = { tokens, vocab: o.vocab, temperature: o.temperature ?? 1 };
  const base = logSoftmaxTolerances(logits, targets, dims, null, null, layout);
  const weights = aggregationWeights(inputs.mask, o.batch, o.seqLen, o.aggregation, o.normaliser ?? o.seqLen);
  const coef = o.entropyCoef ?? 0;
  const glError = new Float64Array(tokens);
  const gEntropy = new Float64Array(tokens);
  let loss = 0;
  for (let i = 0; i < tokens; i++) {
    if (inputs.mask[i] === 0) continue;
    const eps = base.logprob[i]! + 8 * U;
    // On-policy (no oldLogp) the ratio is exactly 1 and the logprob error moves into the IS weight instead.
    const old = inputs.oldLogp ? inputs.oldLogp[i]! : ref.logp[i]!;
    const r = Math.exp(ref.logp[i]! - old);
    const w = inputs.samplerLogp && o.tisCap ? Math.min(Math.exp(old - inputs.samplerLogp[i]!), o.tisCap) : 1;
    const a = Math.abs(inputs.advantages[i]!);
    const delta = inputs.refLogp ? inputs.refLogp[i]! - ref.logp[i]! : 0;
    const klTerm = inputs.refLogp ? o.beta * (1 + Math.exp(delta)) : 0;
    const tw = weights[i]!;
    glError[i] = SAFETY * tw * (w * a * r + klTerm) * eps + U * Math.abs(ref.gradLogp[i]!);
    gEntropy[i] = -coef * tw;
    loss +=
      SAFETY * tw * (w * a * r * eps + klTerm * (eps + 8 * U) + coef * base.entropy[i]!) +
      8 * U * tw * (w * a * r + Math.abs(delta) + 1);
  }
  const full = logSoftmaxTolerances(logits, targets, dims, ref.gradLogp, gEntropy, layout, glError);
  return { loss: loss + 1e-30, logprob: base.logprob, entropy: base.entropy, dlogits: full.dlogits };
}
