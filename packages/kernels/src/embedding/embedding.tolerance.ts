/** The error bounds of the WGSL embedding kernels against the f64 reference. */
import { embeddingBackward } from './embedding.reference.js';
import type { EmbeddingDims } from './embedding.shared.js';

/**
 * Tolerances: the gather is a copy, so bit-exact. The scatter-add sums an id's c occurrences in f32 in
 * position order; the reference sums them in f64 and rounds once, so per element
 * |gpu − ref| ≤ (c + 1)·2⁻²⁴·Σ|dout| (γ_c for the sum plus the reference's rounding); we use the largest
 * c of the case for every element, plus a 1e-30 floor for rows that are exactly 0.
 */
export function embeddingScatterTolerance(
  dout: Float32Array,
  ids: ArrayLike<number>,
  dims: EmbeddingDims,
): Float64Array {
  const counts = new Map<number, number>();
  for (const id of Array.from(ids)) counts.set(id, (counts.get(id) ?? 0) + 1);
  const maxCount = Math.max(1, ...counts.values());
  const mag = embeddingBackward(Float64Array.from(dout, Math.abs), Array.from(ids), dims);
  return mag.map((m) => (maxCount + 1) * 2 ** -24 * m + 1e-30);
}
