/**
 * Global gradient L2 norm over a list of tensors and clipping to a maximum norm, as PyTorch's
 * `clip_grad_norm_`: norm = sqrt(Σ_tensors Σ_i g_i²), scale = min(1, maxNorm / (norm + 1e-6)), every
 * gradient multiplied in place by scale (skipped when scale = 1, so unclipped gradients stay bit-exact).
 * The 1e-6 is PyTorch's: it keeps the scale finite for a zero norm and makes a norm exactly at the
 * limit scale by a hair below 1.
 * Numerics: the sum of squares accumulates in f64 (f32 would lose small tensors next to large ones).
 * A non-finite norm (NaN/∞ somewhere) throws a NonFiniteGradientError naming the first bad tensor and
 * element instead of scaling everything by NaN; the trainer decides whether to skip the step.
 */
import { NonFiniteGradientError } from '../errors.js';
import { type Floats, at, requireFinite } from '../arrays.js';
import { KernelReferenceError } from '../errors.js';
import { CLIP_NORM_EPS } from './grad-norm.shared.js';

/** sqrt(Σ g²) over all tensors, in f64. */
export function globalGradNorm(grads: readonly Floats[]): number {
  let ss = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) ss += at(g, i) * at(g, i);
  return Math.sqrt(ss);
}

/** Clip in place to maxNorm; returns the norm before clipping and the scale applied. */
export function clipGradNorm(grads: readonly Floats[], maxNorm: number): { norm: number; scale: number } {
  requireFinite('maxNorm', maxNorm);
  if (maxNorm <= 0) throw new KernelReferenceError('maxNorm', `expected > 0, got ${maxNorm}`);
  const norm = globalGradNorm(grads);
  if (!Number.isFinite(norm)) {
    for (let k = 0; k < grads.length; k++) {
      const g = grads[k] as Floats;
      for (let i = 0; i < g.length; i++) {
        if (!Number.isFinite(at(g, i))) {
          throw new NonFiniteGradientError(`grads[${k}][${i}]: non-finite gradient ${at(g, i)}`);
        }
      }
    }
    throw new NonFiniteGradientError(`grads: gradient norm overflowed to ${norm}`);
  }
  const scale = Math.min(1, maxNorm / (norm + CLIP_NORM_EPS));
  if (scale < 1) for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = at(g, i) * scale;
  return { norm, scale };
}
