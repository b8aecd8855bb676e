/**
 * Tolerances of the GPU SwiGLU against the f64 reference, per element (u = 2⁻²⁴):
 *   K(g) = 16 + 2·min(|g|, 128) ulps, relative to the magnitude of each formula's terms:
 *   h: K·u·|silu(g)·up|;  dup: K·u·|dh·silu(g)|;  dgate: K·u·|dh·up|·σ(g)·(1 + |g|·(1 − σ(g))).
 * Why: Vulkan allows exp an error of 3 + 2|x| ulp; σ and 1 − σ are formed from e^{−|g|} without
 * cancellation, each adding ≤ 4 roundings (add, divide ≤ 2.5 ulp), the products 3 more, the reference's
 * f64→f32 store 1. dgate's 1 + g·(1 − σ) may cancel (near g ≈ −1.28), so its bound uses |g|. Past
 * |g| = 128 e^{−|g|} is 0 in f32 and the results are exact limits, hence the cap. Floor 1e−35 covers
 * denormal flushing (|result| < 1.2e−38) on adapters that flush.
 */
import { sigmoid } from './swiglu.reference.js';

const U = 2 ** -24;

/** Per-element tolerances of h, dgate and dup (see the file comment). */
export function swigluTolerance(
  gate: Float32Array,
  up: Float32Array,
  dh: Float32Array,
): { h: Float64Array; dgate: Float64Array; dup: Float64Array } {
  const n = gate.length;
  const h = new Float64Array(n);
  const dgate = new Float64Array(n);
  const dup = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    const k = (16 + 2 * Math.min(Math.abs(g), 128)) * U;
    const s = sigmoid(g);
    const silu = Number.isFinite(g) ? Math.abs(g * s) : 0;
    const dsiluMag = Number.isFinite(g) ? s * (1 + Math.abs(g) * (1 - s)) : 0;
    h[i] = k * silu * Math.abs(up[i]!) + 1e-35;
    dup[i] = k * silu * Math.abs(dh[i]!) + 1e-35;
    dgate[i] = k * Math.abs(dh[i]! * up[i]!) * dsiluMag + 1e-35;
  }
  return { h, dgate, dup };
}
