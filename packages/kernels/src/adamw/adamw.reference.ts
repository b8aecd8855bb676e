/**
 * AdamW, PyTorch `torch.optim.AdamW` (non-amsgrad, non-foreach semantics) for one tensor and one step:
 *   p ← p·(1 − lr·wd)                          (decoupled weight decay, applied first)
 *   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + eps)
 * with t the 1-based step number after this update (the first call has t = 1).
 * Layout: param, grad, m, v are equal-length flat arrays (any shape); param, m, v are updated in place.
 * Numerics: each element is computed in f64 from the stored values and rounded once on store (PyTorch
 * rounds after each in-place op in f32, so results agree to a few f32 ulps). NaN/∞ in grad propagate
 * into m, v and p (clipGradNorm refuses non-finite gradients before this).
 */
import { type Floats, at } from '../arrays.js';
import { type AdamWOptions, checkAdamWArgs } from './adamw.shared.js';

/** One AdamW step on one tensor, in place on param, m, v; `step` is t ≥ 1 (count including this step). */
export function adamwStep(param: Floats, grad: Floats, m: Floats, v: Floats, step: number, o: AdamWOptions): void {
  checkAdamWArgs(param, grad, m, v, step, o);
  const bc1 = 1 - Math.pow(o.beta1, step);
  const bc2Sqrt = Math.sqrt(1 - Math.pow(o.beta2, step));
  const stepSize = o.lr / bc1;
  const decay = 1 - o.lr * o.weightDecay;
  for (let i = 0; i < param.length; i++) {
    const g = at(grad, i);
    const p = at(param, i) * decay;
    const mi = o.beta1 * at(m, i) + (1 - o.beta1) * g;
    const vi = o.beta2 * at(v, i) + (1 - o.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    // Read back the stored (possibly f32-rounded) moments, as PyTorch uses its in-place f32 buffers.
    param[i] = p - (stepSize * at(m, i)) / (Math.sqrt(at(v, i)) / bc2Sqrt + o.eps);
  }
}
