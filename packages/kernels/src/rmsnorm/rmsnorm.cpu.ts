/**
 * Fast f32 RMSNorm for the cpu backend's training step: the reference's maths (rmsnorm.reference.ts,
 * the ground truth, has the formulas) in one tight loop per op, outputs into caller buffers and the
 * weight gradient accumulated into the caller's array, no argument validation beyond what the model
 * guarantees (it checks tokens, mask and shapes once per call): these run ~40 times per step on
 * ~0.5M-element arrays. Arithmetic is in JS numbers (f64) with one rounding on store, like the
 * reference, so results differ from it only where an input differs (e.g. a matmul output from ORT).
 * The other ops' fast versions follow the same rules (their `<op>.cpu.ts`).
 */

/** RMSNorm forward into y [rows, hidden]; rstd [rows] receives 1/sqrt(mean(x²) + eps) for the backward. */
export function rmsNormForwardInto(
  x: Float32Array,
  weight: Float32Array,
  rows: number,
  hidden: number,
  eps: number,
  y: Float32Array,
  rstd: Float32Array | Float64Array,
): void {
  for (let r = 0, o = 0; r < rows; r++, o += hidden) {
    let ss = 0;
    for (let j = 0; j < hidden; j++) {
      const v = x[o + j]!;
      ss += v * v;
    }
    const s = 1 / Math.sqrt(ss / hidden + eps);
    rstd[r] = s;
    for (let j = 0; j < hidden; j++) y[o + j] = x[o + j]! * s * weight[j]!;
  }
}

/**
 * RMSNorm backward: dx [rows, hidden] is written (or added to, with `accumulate`, which saves the
 * residual-stream add), dweight [hidden] is accumulated. rstd is the forward's; f64 storage keeps the
 * backward bit-compatible with the reference's recomputed f64 rstd.
 */
export function rmsNormBackwardInto(
  dy: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  rstd: Float32Array | Float64Array,
  rows: number,
  hidden: number,
  dx: Float32Array,
  dweight: Float32Array,
  accumulate = false,
): void {
  // Per-column sums in f64 across rows; rounded into dweight once at the end.
  const dw = new Float64Array(hidden);
  for (let r = 0, o = 0; r < rows; r++, o += hidden) {
    const s = rstd[r]!;
    let gx = 0;
    for (let j = 0; j < hidden; j++) {
      const dyx = dy[o + j]! * x[o + j]!;
      gx += dyx * weight[j]!;
      dw[j] = dw[j]! + dyx * s;
    }
    const c = (s * s * s * gx) / hidden;
    if (accumulate) {
      for (let j = 0; j < hidden; j++) dx[o + j] = dx[o + j]! + (s * dy[o + j]! * weight[j]! - x[o + j]! * c);
    } else for (let j = 0; j < hidden; j++) dx[o + j] = s * dy[o + j]! * weight[j]! - x[o + j]! * c;
  }
  for (let j = 0; j < hidden; j++) dweight[j] = dweight[j]! + dw[j]!;
}
