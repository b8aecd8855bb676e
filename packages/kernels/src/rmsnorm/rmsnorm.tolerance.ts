/**
 * Tolerances of the GPU RMSNorm against the f64 reference, per element (u = 2⁻²⁴, H = hidden, R = rows):
 * - y:       (H + 16)·u·|x·s·w|. The f32 sum of H squares has relative error ≤ γ_H (no cancellation:
 *            all terms ≥ 0); sqrt and the division each add a few ulps (Vulkan: 1/sqrt ≤ 2 ulp,
 *            division ≤ 2.5 ulp), halved through the square root; the final products 2 roundings and
 *            the reference's own f64→f32 rounding one more. 16 covers those constants with margin.
 * - rstd:    (H + 16)·u·s, same argument.
 * - dx:      (2H + 32)·u·(s·|dy·w| + |x|·s³·Σ_j|dy_j w_j x_j|/H): both terms of dx = s·g − x·s³·gx/H with
 *            their own errors (s from above; gx a length-H dot product, ≤ γ_H·Σ|terms|), bounded by
 *            magnitudes so that the cancellation in dx does not make the bound 0.
 * - dweight: (R + H + 32)·u·Σ_r |dy_rj x_rj|·s_r: a length-R sequential sum of products carrying s's error.
 * A floor of 1e-30 covers all-zero magnitudes. An indexing bug gives errors of order the magnitude itself.
 */
import type { RmsNormDims } from './rmsnorm.shared.js';

const U = 2 ** -24;

/** Per-element tolerances of y, rstd, dx and dweight for inputs x, weight, dy (see the file comment). */
export function rmsNormTolerance(
  x: Float32Array,
  weight: Float32Array,
  dy: Float32Array,
  d: RmsNormDims,
): { y: Float64Array; rstd: Float64Array; dx: Float64Array; dweight: Float64Array } {
  const { rows, hidden: h } = d;
  const y = new Float64Array(rows * h);
  const dx = new Float64Array(rows * h);
  const rstd = new Float64Array(rows);
  const dwMag = new Float64Array(h);
  for (let r = 0; r < rows; r++) {
    const o = r * h;
    let ss = 0;
    for (let j = 0; j < h; j++) ss += x[o + j]! * x[o + j]!;
    const s = 1 / Math.sqrt(ss / h + d.eps);
    rstd[r] = (h + 16) * U * s + 1e-30;
    let gxMag = 0;
    for (let j = 0; j < h; j++) {
      const t = Math.abs(dy[o + j]! * weight[j]! * x[o + j]!);
      gxMag += t;
      dwMag[j] = dwMag[j]! + Math.abs(dy[o + j]! * x[o + j]!) * s;
    }
    for (let j = 0; j < h; j++) {
      y[o + j] = (h + 16) * U * Math.abs(x[o + j]! * s * weight[j]!) + 1e-30;
      dx[o + j] =
        (2 * h + 32) * U * (s * Math.abs(dy[o + j]! * weight[j]!) + (Math.abs(x[o + j]!) * s * s * s * gxMag) / h) +
        1e-30;
    }
  }
  const dweight = dwMag.map((m) => (rows + h + 32) * U * m + 1e-30);
  return { y, rstd, dx, dweight };
}
