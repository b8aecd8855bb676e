/**
 * Tolerance of the GPU AdamW against the reference run in f32 storage (which rounds m, v, p once per
 * step, as the GPU does), accumulated over steps (u = 2⁻²⁴):
 *   m: 6·u·s·m̃ with m̃ the moment of |g| (β1·m̃ + (1 − β1)·|g|, no cancellation), s = steps so far;
 *   v: 6·u·s·v (all terms ≥ 0);
 *   p: Σ_steps [3·u·|p_before| + (24 + 8·s)·u·|Δ_s|] with Δ_s = the Adam update of step s.
 * Why: per step the GPU and the reference differ by the rounding of the f32 hyper-scalars (1 − β1 etc.,
 * ≤ u relative each), the roundings of each formula (m, v: scalar, square, two products, a sum and the
 * reference's store, ≤ 6 roundings of ≤ u; p: decay and product, then sqrt and division ≤ 2.5 ulp in
 * Vulkan) and the propagated differences in m and v from earlier steps (≤ 6·u per step each, entering
 * the update through m/√v, hence the 8·s). Measured worst on the case table: 0.73 of the v bound. The floor 1e-30 covers exact zeros (zero-gradient case).
 */
const U = 2 ** -24;

/** Running tolerance state of one parameter across steps. */
export class AdamwTolerance {
  readonly #mMag: Float64Array;
  readonly #p: Float64Array;
  #steps = 0;
  readonly #beta1: number;

  /** Tracks a parameter of n elements updated with β1 = `beta1`. */
  constructor(n: number, beta1: number) {
    this.#mMag = new Float64Array(n);
    this.#p = new Float64Array(n);
    this.#beta1 = beta1;
  }

  /** Record one step: the gradient, the parameter before and after (reference), and the decay factor. */
  step(grad: Float32Array, before: Float32Array, after: Float32Array, decay: number): void {
    this.#steps += 1;
    const s = this.#steps;
    for (let i = 0; i < grad.length; i++) {
      this.#mMag[i] = this.#beta1 * this.#mMag[i]! + (1 - this.#beta1) * Math.abs(grad[i]!);
      const update = Math.abs(before[i]! * decay - after[i]!);
      this.#p[i] = this.#p[i]! + 3 * U * Math.abs(before[i]!) + (24 + 8 * s) * U * update;
    }
  }

  /** Tolerances of p, m and v after the steps recorded so far, given the reference v. */
  current(vRef: Float32Array): { p: Float64Array; m: Float64Array; v: Float64Array } {
    const s = this.#steps;
    return {
      p: this.#p.map((t) => t + 1e-30),
      m: this.#mMag.map((t) => 6 * U * s * t + 1e-30),
      v: Float64Array.from(vRef, (t) => 6 * U * s * Math.abs(t) + 1e-30),
    };
  }
}
