/**
 * RMSNorm, Llama/Qwen2 convention: y = x / sqrt(mean(x²) + eps) · weight (weight multiplies after the
 * normalisation; no bias, no mean subtraction; HF's `(1 + weight)` Gemma variant is not this op).
 *
 * Layout: x, y, dy, dx are [rows, hidden] row-major (rows = batch·seq tokens); weight, dweight are
 * [hidden]. Numerics: mean(x²) and every reduction are accumulated in f64; rstd is computed in f64 and
 * each output is rounded once to the input's kind. NaN/±∞ in x propagate to that row's outputs (a row
 * with ∞ gives NaN through ∞/∞), nothing is masked: the trainer checks the loss for finiteness.
 */
import { type Floats, allocLike, at, requireInt, requireLength } from '../arrays.js';
import type { RmsNormDims } from './rmsnorm.shared.js';

function check(x: Floats, weight: Floats, d: RmsNormDims): void {
  requireInt('rows', d.rows, 0);
  requireInt('hidden', d.hidden, 1);
  requireLength('x', x, d.rows * d.hidden, '[rows, hidden]');
  requireLength('weight', weight, d.hidden, '[hidden]');
}

/** 1/sqrt(mean(x_r²) + eps) for row r, in f64. */
function rowRstd(x: Floats, r: number, d: RmsNormDims): number {
  let ss = 0;
  const o = r * d.hidden;
  for (let j = 0; j < d.hidden; j++) ss += at(x, o + j) * at(x, o + j);
  return 1 / Math.sqrt(ss / d.hidden + d.eps);
}

/** RMSNorm forward: y [rows, hidden] and the per-row reciprocal RMS `rstd` [rows] (f64, saved for GPU backward). */
export function rmsNormForward<T extends Floats>(x: T, weight: Floats, d: RmsNormDims): { y: T; rstd: Float64Array } {
  check(x, weight, d);
  const y = allocLike(x, x.length);
  const rstd = new Float64Array(d.rows);
  for (let r = 0; r < d.rows; r++) {
    const s = rowRstd(x, r, d);
    rstd[r] = s;
    const o = r * d.hidden;
    for (let j = 0; j < d.hidden; j++) y[o + j] = at(x, o + j) * s * at(weight, j);
  }
  return { y, rstd };
}

/**
 * RMSNorm backward from dy [rows, hidden]: dx [rows, hidden] and dweight [hidden] (summed over rows).
 * With s = rstd, g = dy⊙w: dx = s·g − x·s³·(Σ_j g_j x_j)/hidden; dweight_j = Σ_rows dy_j·x_j·s.
 */
export function rmsNormBackward<T extends Floats>(
  dy: T,
  x: Floats,
  weight: Floats,
  d: RmsNormDims,
): { dx: T; dweight: T } {
  check(x, weight, d);
  requireLength('dy', dy, d.rows * d.hidden, '[rows, hidden]');
  const dx = allocLike(dy, x.length);
  const dw = new Float64Array(d.hidden);
  for (let r = 0; r < d.rows; r++) {
    const s = rowRstd(x, r, d);
    const o = r * d.hidden;
    let gx = 0;
    for (let j = 0; j < d.hidden; j++) {
      gx += at(dy, o + j) * at(weight, j) * at(x, o + j);
      dw[j] = at(dw, j) + at(dy, o + j) * at(x, o + j) * s;
    }
    const c = (s * s * s * gx) / d.hidden;
    for (let j = 0; j < d.hidden; j++) dx[o + j] = s * at(dy, o + j) * at(weight, j) - at(x, o + j) * c;
  }
  const dweight = allocLike(dy, d.hidden);
  dweight.set(dw);
  return { dx, dweight };
}
