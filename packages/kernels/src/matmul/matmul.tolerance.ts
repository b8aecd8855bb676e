import { matmulReference } from './matmul.reference.js';
import { type MatmulShape } from './matmul.shared.js';

/**
 * Tolerance of a GPU matmul against the f64 reference, per element: |gpu − ref| ≤ (K + 2) · 2⁻²⁴ · (|A|·|B|)ᵢⱼ + 1e-30.
 * Why: any f32 dot product of length K, in any summation order and with or without FMA contraction,
 * is within γ_K · Σₚ|aᵢₚ||bₚⱼ| of the exact value (Higham, Accuracy and Stability, eq. 3.5; γ_K ≈ K·u,
 * u = 2⁻²⁴); the reference adds one more rounding (f64 → f32), hence K + 2. The bound is rigorous,
 * so a failure is a bug, yet it is tight where it matters: an indexing or transposition bug gives
 * errors of order |A|·|B| itself, 10⁴× above it even at K = 1000. The 1e-30 floor only covers
 * all-zero rows (|A|·|B| = 0). Vulkan requires correctly rounded f32 add and multiply.
 */
export function matmulTolerance(absA: Float32Array, absB: Float32Array, shape: MatmulShape): Float32Array {
  const magnitude = matmulReference(absA, absB, shape);
  return magnitude.map((v) => (shape.k + 2) * 2 ** -24 * v * 1.0001 + 1e-30);
}
