/**
 * Causal self-attention with grouped-query heads and a padding mask (the SDPA core of a Llama/Qwen2
 * block, after RoPE and before o_proj).
 *
 * Algorithm: for batch b, query head h, query position i, kv head g = floor(h / (H / Hkv)) (HF
 * `repeat_kv`: consecutive query heads share a kv head),
 *   s_ij = (q_i · k_j) / sqrt(headDim) for allowed j, allowed ⇔ j ≤ i and mask[b, j] = 1,
 *   p_ij = exp(s_ij − m_i) / Σ_j exp(s_ij − m_i), m_i = max_j s_ij, o_i = Σ_j p_ij v_j.
 * Disallowed keys get −∞ scores, so they contribute exactly 0.
 * Fully masked rows (no allowed key — a left-padded query, or mask[b, 0..i] all 0): o_i = 0 and
 * lse_i = −∞, never NaN, and they pass no gradient. Only keys are masked: a padded *query* that still
 * sees real keys (right padding) gets an ordinary output, as in HF; HF's left-pad rows differ (it fills
 * them with a uniform average) but the loss masks them out either way.
 *
 * Layout (row-major): q, o, dq, do are [batch, seq, numHeads, headDim]; k, v, dk, dv are
 * [batch, seq, numKvHeads, headDim] (the projection outputs reshaped, no transposes); mask [batch, seq]
 * with 1 = token, 0 = padding (HF `attention_mask`); lse [batch, numHeads, seq].
 * Numerics: scores, softmax sums and products accumulate in f64; outputs rounded once. NaN/±∞ in q, k, v
 * propagate (an ∞ score gives NaN through ∞ − ∞); masking never creates NaN.
 * Backward: dp_ij = do_i·v_j, ds_ij = p_ij (dp_ij − Σ_j p_ij dp_ij), dq_i = Σ_j ds_ij k_j/√d,
 * dk_j = Σ_i ds_ij q_i/√d, dv_j = Σ_i p_ij do_i, with dk, dv summed over the query heads of a group.
 */
import { type Floats, type Ints, allocLike, at, requireInt, requireLength } from '../arrays.js';
import { KernelReferenceError } from '../errors.js';
import type { AttentionDims } from './attention.shared.js';

function check(q: Floats, k: Floats, v: Floats, mask: Ints, d: AttentionDims): void {
  requireInt('batch', d.batch, 0);
  requireInt('seq', d.seq, 0);
  requireInt('numHeads', d.numHeads, 1);
  requireInt('numKvHeads', d.numKvHeads, 1);
  requireInt('headDim', d.headDim, 1);
  if (d.numHeads % d.numKvHeads !== 0) {
    throw new KernelReferenceError('numKvHeads', `must divide numHeads=${d.numHeads}, got ${d.numKvHeads}`);
  }
  requireLength('q', q, d.batch * d.seq * d.numHeads * d.headDim, '[batch, seq, numHeads, headDim]');
  requireLength('k', k, d.batch * d.seq * d.numKvHeads * d.headDim, '[batch, seq, numKvHeads, headDim]');
  requireLength('v', v, d.batch * d.seq * d.numKvHeads * d.headDim, '[batch, seq, numKvHeads, headDim]');
  requireLength('mask', mask, d.batch * d.seq, '[batch, seq]');
}

/**
 * Softmax row p_i· over keys (length seq; disallowed keys 0) for one (b, h, i), and its log-sum-exp
 * (−∞ when the row is fully masked, in which case p is all zeros).
 */
function probabilities(
  q: Floats,
  k: Floats,
  mask: Ints,
  d: AttentionDims,
  b: number,
  h: number,
  i: number,
  p: Float64Array,
): number {
  const g = Math.floor(h / (d.numHeads / d.numKvHeads));
  const scale = 1 / Math.sqrt(d.headDim);
  const qo = ((b * d.seq + i) * d.numHeads + h) * d.headDim;
  let m = -Infinity;
  for (let j = 0; j < d.seq; j++) {
    if (j > i || at(mask, b * d.seq + j) === 0) {
      p[j] = -Infinity;
      continue;
    }
    const ko = ((b * d.seq + j) * d.numKvHeads + g) * d.headDim;
    let s = 0;
    for (let e = 0; e < d.headDim; e++) s += at(q, qo + e) * at(k, ko + e);
    s *= scale;
    p[j] = s;
    if (s > m) m = s;
  }
  if (m === -Infinity) {
    // Fully masked row: define the output as zeros instead of 0/0.
    p.fill(0);
    return -Infinity;
  }
  let sum = 0;
  for (let j = 0; j < d.seq; j++) {
    const e = at(p, j) === -Infinity ? 0 : Math.exp(at(p, j) - m);
    p[j] = e;
    sum += e;
  }
  for (let j = 0; j < d.seq; j++) p[j] = at(p, j) / sum;
  return m + Math.log(sum);
}

/** Attention forward: o [batch, seq, numHeads, headDim] and lse [batch, numHeads, seq] (−∞ on fully masked rows). */
export function attentionForward<T extends Floats>(
  q: T,
  k: Floats,
  v: Floats,
  mask: Ints,
  d: AttentionDims,
): { o: T; lse: Float64Array } {
  check(q, k, v, mask, d);
  const o = allocLike(q, q.length);
  const lse = new Float64Array(d.batch * d.numHeads * d.seq);
  const p = new Float64Array(d.seq);
  const acc = new Float64Array(d.headDim);
  const group = d.numHeads / d.numKvHeads;
  for (let b = 0; b < d.batch; b++) {
    for (let h = 0; h < d.numHeads; h++) {
      const g = Math.floor(h / group);
      for (let i = 0; i < d.seq; i++) {
        lse[(b * d.numHeads + h) * d.seq + i] = probabilities(q, k, mask, d, b, h, i, p);
        acc.fill(0);
        for (let j = 0; j <= i; j++) {
          const pj = at(p, j);
          if (pj === 0) continue;
          const vo = ((b * d.seq + j) * d.numKvHeads + g) * d.headDim;
          for (let e = 0; e < d.headDim; e++) acc[e] = at(acc, e) + pj * at(v, vo + e);
        }
        const oo = ((b * d.seq + i) * d.numHeads + h) * d.headDim;
        for (let e = 0; e < d.headDim; e++) o[oo + e] = at(acc, e);
      }
    }
  }
  return { o, lse };
}

/** Attention backward from dO [batch, seq, numHeads, headDim]: dq (q's layout), dk and dv (k's layout). */
export function attentionBackward<T extends Floats>(
  dO: T,
  q: Floats,
  k: Floats,
  v: Floats,
  mask: Ints,
  d: AttentionDims,
): { dq: T; dk: T; dv: T } {
  check(q, k, v, mask, d);
  requireLength('dO', dO, q.length, '[batch, seq, numHeads, headDim]');
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dv = new Float64Array(v.length);
  const p = new Float64Array(d.seq);
  const dp = new Float64Array(d.seq);
  const group = d.numHeads / d.numKvHeads;
  const scale = 1 / Math.sqrt(d.headDim);
  for (let b = 0; b < d.batch; b++) {
    for (let h = 0; h < d.numHeads; h++) {
      const g = Math.floor(h / group);
      for (let i = 0; i < d.seq; i++) {
        if (probabilities(q, k, mask, d, b, h, i, p) === -Infinity) continue;
        const qo = ((b * d.seq + i) * d.numHeads + h) * d.headDim;
        let pdp = 0;
        for (let j = 0; j <= i; j++) {
          const pj = at(p, j);
          if (pj === 0) {
            dp[j] = 0;
            continue;
          }
          const vo = ((b * d.seq + j) * d.numKvHeads + g) * d.headDim;
          let s = 0;
          for (let e = 0; e < d.headDim; e++) {
            s += at(dO, qo + e) * at(v, vo + e);
            dv[vo + e] = at(dv, vo + e) + pj * at(dO, qo + e);
          }
          dp[j] = s;
          pdp += pj * s;
        }
        for (let j = 0; j <= i; j++) {
          const pj = at(p, j);
          if (pj === 0) continue;
          const ds = pj * (at(dp, j) - pdp) * scale;
          const ko = ((b * d.seq + j) * d.numKvHeads + g) * d.headDim;
          for (let e = 0; e < d.headDim; e++) {
            dq[qo + e] = at(dq, qo + e) + ds * at(k, ko + e);
            dk[ko + e] = at(dk, ko + e) + ds * at(q, qo + e);
          }
        }
      }
    }
  }
  const out = (a: Float64Array): T => {
    const r = allocLike(dO, a.length);
    r.set(a);
    return r;
  };
  return { dq: out(dq), dk: out(dk), dv: out(dv) };
}
