/**
 * Tolerances of the GPU attention against the f64 reference, per element (u = 2⁻²⁴, d = headDim,
 * n = number of keys row i may see, scale = 1/√d, all quantities below from the f64 reference):
 * - score s_ij: a sequential length-d f32 dot product then × scale (1/sqrt: ≤ 5 ulp under Vulkan's
 *   sqrt and division bounds): |δs_ij| ≤ a_ij = (d + 8)·u·scale·Σ_e |q_ie k_je|.
 * - softmax weights: each unnormalised weight exp(s_j − m) carries a_ij, the exp bound of Vulkan
 *   (3 + 2|x| ulp) and the online rescalings (≤ n of them, each an exp and a multiply; their exp
 *   arguments telescope to at most |s_j − m|): relative error η_ij = a_ij + (3|s_ij − m_i| + 5n + 5)·u.
 *   The running max is a common factor of numerator and denominator and cancels.
 * - o_ie = Σ p_ij v_je / Σ p_ij: Σ_j p_ij η_ij (|v_je| + |o_ie|) for the perturbed weights in both sums,
 *   plus (2n + 4)·u·Σ_j p_ij |v_je| for the two length-n f32 sums, the division and the final rounding.
 * - lse_i = m + log l: m cancels to first order (lse = log Σ exp s), so Σ_j p_ij η_ij + (n + 4)·u, plus
 *   log's absolute error 2⁻²¹ near l = 1 and 4·u·|lse| for the final addition.
 * - backward: p_ij = exp(s_ij − lse_i) recomputed from the GPU lse has relative error
 *   ρ_ij = a_ij + T_lse,i + (4 + 3|s_ij − lse_i|)·u; dp_ij = dO_i·v_j carries b_ij = (d + 1)·u·Σ|dO v|;
 *   D_i (= dO_i·o_i with the GPU o, or Σ_j p_ij dp_ij recomputed) carries δD_i, the larger of the two
 *   forms' bounds; ds_ij = scale·p_ij(dp_ij − D_i) carries
 *   δds_ij = scale·p_ij((ρ_ij + 3u)|dp_ij − D_i| + b_ij + δD_i).
 *   dq_ie = Σ_j ds_ij k_je: Σ_j |k_je| δds_ij + (n + 1)·u·Σ_j |ds_ij k_je|;
 *   dk_je = Σ_{h∈group} Σ_{i≥j} ds_ij q_ie: Σ |q_ie| δds_ij + (G·seq + 1)·u·Σ |ds_ij q_ie| (G = group size);
 *   dv_je = Σ Σ p_ij dO_ie: Σ p_ij ρ_ij |dO_ie| + (G·seq + 1)·u·Σ p_ij |dO_ie|.
 * Every bound is then doubled (the "few ulp" constants of the exp/log/division bounds, second-order
 * terms) and floored at 1e-30 (exact zeros: padded rows and keys must be exactly 0). Magnitudes, not
 * signed sums, so that cancellation (Σ_j p_ij(dp_ij − D_i) = 0) does not make a bound 0. An indexing or
 * masking bug gives errors of the order of the magnitudes themselves, far above these bounds.
 */
import type { AttentionDims } from './attention.shared.js';

const U = 2 ** -24;
const SAFETY = 2;
const FLOOR = 1e-30;

/** Per-element tolerances of o, lse, dq, dk and dv for inputs q, k, v, dO and mask (see the file comment). */
export function attentionTolerance(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  dO: Float32Array,
  mask: ArrayLike<number>,
  d: AttentionDims,
): { o: Float64Array; lse: Float64Array; dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const { batch, seq, numHeads: H, numKvHeads: Hkv, headDim: D } = d;
  const group = H / Hkv;
  const scale = 1 / Math.sqrt(D);
  const o = new Float64Array(q.length).fill(FLOOR);
  const dq = new Float64Array(q.length).fill(FLOOR);
  const lse = new Float64Array(batch * H * seq).fill(FLOOR);
  const dkErr = new Float64Array(k.length);
  const dkMag = new Float64Array(k.length);
  const dvErr = new Float64Array(k.length);
  const dvMag = new Float64Array(k.length);
  const s = new Float64Array(seq);
  const a = new Float64Array(seq);
  const p = new Float64Array(seq);
  const dp = new Float64Array(seq);
  const b1 = new Float64Array(seq);
  const oRef = new Float64Array(D);
  const tolO = new Float64Array(D);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / group);
      for (let i = 0; i < seq; i++) {
        const qo = ((b * seq + i) * H + h) * D;
        const keys: number[] = [];
        for (let j = 0; j <= i; j++) if (mask[b * seq + j] !== 0) keys.push(j);
        const n = keys.length;
        if (n === 0) continue; // o = 0, dq = 0 exactly; lse = −∞ compares equal
        let m = -Infinity;
        for (const j of keys) {
          const ko = ((b * seq + j) * Hkv + g) * D;
          let dot = 0;
          let mag = 0;
          let dpj = 0;
          let dpMag = 0;
          for (let e = 0; e < D; e++) {
            dot += q[qo + e]! * k[ko + e]!;
            mag += Math.abs(q[qo + e]! * k[ko + e]!);
            dpj += dO[qo + e]! * v[ko + e]!;
            dpMag += Math.abs(dO[qo + e]! * v[ko + e]!);
          }
          s[j] = dot * scale;
          a[j] = (D + 8) * U * scale * mag;
          dp[j] = dpj;
          b1[j] = (D + 1) * U * dpMag;
          m = Math.max(m, s[j]!);
        }
        let l = 0;
        for (const j of keys) l += Math.exp(s[j]! - m);
        const lseRef = m + Math.log(l);
        for (const j of keys) p[j] = Math.exp(s[j]! - m) / l;
        // Forward.
        let lseErr = 0;
        oRef.fill(0);
        for (const j of keys) {
          const ko = ((b * seq + j) * Hkv + g) * D;
          for (let e = 0; e < D; e++) oRef[e] = oRef[e]! + p[j]! * v[ko + e]!;
        }
        tolO.fill(0);
        for (const j of keys) {
          const ko = ((b * seq + j) * Hkv + g) * D;
          const eta = a[j]! + (3 * Math.abs(s[j]! - m) + 5 * n + 5) * U;
          lseErr += p[j]! * eta;
          for (let e = 0; e < D; e++) {
            const pv = p[j]! * Math.abs(v[ko + e]!);
            tolO[e] = tolO[e]! + pv * eta + p[j]! * eta * Math.abs(oRef[e]!) + (2 * n + 4) * U * pv;
          }
        }
        for (let e = 0; e < D; e++) {
          tolO[e] = SAFETY * tolO[e]! + FLOOR;
          o[qo + e] = tolO[e]!;
        }
        const r = (b * H + h) * seq + i;
        const tLse = SAFETY * (lseErr + (n + 4) * U + 2 ** -21 + 4 * U * Math.abs(lseRef)) + FLOOR;
        lse[r] = tLse;
        // Backward.
        let dRef = 0;
        let pdpErr = 0;
        let pdpMag = 0;
        const rho = (j: number): number => a[j]! + tLse + (4 + 3 * Math.abs(s[j]! - lseRef)) * U;
        for (const j of keys) {
          dRef += p[j]! * dp[j]!;
          pdpErr += p[j]! * (rho(j) * Math.abs(dp[j]!) + b1[j]!);
          pdpMag += p[j]! * Math.abs(dp[j]!);
        }
        let fromO = 0;
        let doMag = 0;
        for (let e = 0; e < D; e++) {
          fromO += Math.abs(dO[qo + e]!) * tolO[e]!;
          doMag += Math.abs(dO[qo + e]! * oRef[e]!);
        }
        const dD = Math.max(fromO + (D + 1) * U * doMag, pdpErr + (n + 1) * U * pdpMag);
        for (const j of keys) {
          const ko = ((b * seq + j) * Hkv + g) * D;
          const diff = Math.abs(dp[j]! - dRef);
          const ds = scale * p[j]! * diff;
          const dds = scale * p[j]! * ((rho(j) + 3 * U) * diff + b1[j]! + dD);
          for (let e = 0; e < D; e++) {
            dq[qo + e] = dq[qo + e]! + SAFETY * (Math.abs(k[ko + e]!) * dds + (n + 1) * U * ds * Math.abs(k[ko + e]!));
            dkErr[ko + e] = dkErr[ko + e]! + Math.abs(q[qo + e]!) * dds;
            dkMag[ko + e] = dkMag[ko + e]! + ds * Math.abs(q[qo + e]!);
            dvErr[ko + e] = dvErr[ko + e]! + p[j]! * rho(j) * Math.abs(dO[qo + e]!);
            dvMag[ko + e] = dvMag[ko + e]! + p[j]! * Math.abs(dO[qo + e]!);
          }
        }
      }
    }
  }
  const nkv = group * seq + 1;
  const dk = dkErr.map((err, idx) => SAFETY * (err + nkv * U * dkMag[idx]!) + FLOOR);
  const dv = dvErr.map((err, idx) => SAFETY * (err + nkv * U * dvMag[idx]!) + FLOOR);
  return { o, lse, dq, dk, dv };
}
