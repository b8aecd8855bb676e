/** The error bound of the WGSL global gradient norm against the f64 reference. */
import { gradNormLayout } from './grad-norm.gpu.js';

const U = 2 ** -24;

/**
 * Tolerance of the f32 GPU norm against the f64 reference: relative (chunk + partials + 8)·u. Σ g² has
 * only non-negative terms, so a sequential f32 sum of L terms is within γ_L of exact relative to the
 * sum itself (no cancellation); each value passes through one chunk sum (≤ chunk terms) and the final
 * sum (partials terms), plus one rounding per square; sqrt halves the relative error and adds ≤ 1 ulp
 * (Vulkan sqrt: 1/inversesqrt, a few ulp). The +8 and the unhalved sum are margin. On the largest case
 * (257k elements: chunk 256, 1006 partials) this is 7.6e-5 relative — loose next to the usual
 * O(√L·u) error, but it is the rigorous bound; a dropped tensor or element moves the norm far more.
 * After clipping, each g·scale differs by that same relative error (scale depends on the norm) plus
 * 2 roundings (scale to f32 and the product).
 */
export function gradNormTolerance(sizes: readonly number[]): number {
  const { chunk, total } = gradNormLayout(sizes);
  return (chunk + total + 8) * U;
}
