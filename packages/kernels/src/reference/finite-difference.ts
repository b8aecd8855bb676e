/**
 * Central finite differences in f64, the check that every reference backward is held to.
 *
 * Algorithm: for each input element x_i, g_i ≈ (f(x + h_i e_i) − f(x − h_i e_i)) / (2 h_i) with
 * h_i = step · max(1, |x_i|) (or h_i = step with `absolute`). The scalar f is usually a random projection Σ c_k y_k of an op's
 * output, so one FD sweep checks the whole vector–Jacobian product that the backward computes.
 *
 * Error budget with relStep = 1e-5 in f64: truncation ≈ h²·|f'''|/6 ≈ 1e-11 and rounding
 * ≈ ε_f64·|f|/h ≈ 2e-16·|f|/1e-5 ≈ 2e-11·|f|, so for O(1) inputs and outputs the FD gradient is good
 * to ~1e-10; the tests allow 1e-6 relative to max(1, max|g|) ({@link GRADIENT_TOLERANCE}), four orders
 * above the expected error yet far below what any real bug in a backward produces.
 * Non-finite inputs (−∞ masks) are not perturbed; their FD gradient is reported as 0.
 */
import { SeededRandom } from '@rlvr/core';

/** Default relative FD step: balances O(h²) truncation against ε/h rounding in f64. */
const FD_RELATIVE_STEP = 1e-5;

/** Relative tolerance of analytic vs FD gradients (see the file header for the error budget). */
export const GRADIENT_TOLERANCE = 1e-6;

/** Central-difference gradient of the f64 scalar function `f` at `x` (x is restored afterwards). */
export function centralDifference(
  f: (x: Float64Array) => number,
  x: Float64Array,
  options: { step?: number; absolute?: boolean } = {},
): Float64Array {
  const step = options.step ?? FD_RELATIVE_STEP;
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    if (!Number.isFinite(xi)) continue;
    // Absolute steps suit huge but locally smooth inputs (logits of 1e4: a relative step of 0.1 would
    // put O(h²) truncation at 1e-3).
    const h = options.absolute ? step : step * Math.max(1, Math.abs(xi));
    const up = xi + h;
    const down = xi - h;
    x[i] = up;
    const fUp = f(x);
    x[i] = down;
    const fDown = f(x);
    x[i] = xi;
    // Divide by the step actually taken (x ± h rounds), not the nominal 2h.
    g[i] = (fUp - fDown) / (up - down);
  }
  return g;
}

/** Seeded projection vector c (uniform in [−1, 1)) used to turn an op's output into a scalar. */
export function projection(seed: number, n: number): Float64Array {
  const random = new SeededRandom(seed);
  const next = (): number => random.next();
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = 2 * next() - 1;
  return c;
}

/** Σ c_i y_i in f64 (the scalar whose gradient wrt the output is exactly c). */
export function dot(c: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < c.length; i++) s += (c[i] as number) * (y[i] as number);
  return s;
}

/** Copy any float array into a fresh Float64Array (inputs of an FD check). */
export function toF64(a: ArrayLike<number>): Float64Array {
  return Float64Array.from(a);
}

/**
 * Worst error of an analytic gradient against FD, scaled by max(1, max|fd|); ≤ GRADIENT_TOLERANCE
 * passes. Returns the scaled error and the index where it occurred, so a failure points at an element.
 */
export function gradientError(analytic: ArrayLike<number>, fd: ArrayLike<number>): { error: number; index: number } {
  let scale = 1;
  for (let i = 0; i < fd.length; i++) scale = Math.max(scale, Math.abs(fd[i] as number));
  let error = 0;
  let index = -1;
  for (let i = 0; i < fd.length; i++) {
    const e = Math.abs((analytic[i] as number) - (fd[i] as number)) / scale;
    if (!(e <= error)) {
      error = e;
      index = i;
    }
  }
  return { error, index };
}

/**
 * Checks the listed entries of an analytic gradient against central differences of an async f64 loss
 * (h = 1e-5·max(1, |x|), each entry restored after), entry by entry with tolerance 1e-7 + 1e-6·|fd|.
 * For whole models, where one loss costs a forward pass and only sampled entries are affordable. Throws
 * naming the first entry outside the tolerance; returns the worst error/tolerance ratio.
 */
export async function checkSampledGradient(
  name: string,
  values: { [index: number]: number },
  analytic: ArrayLike<number>,
  indices: Iterable<number>,
  loss: () => Promise<number>,
): Promise<number> {
  let worst = 0;
  for (const i of indices) {
    const x = values[i]!;
    const h = 1e-5 * Math.max(1, Math.abs(x));
    values[i] = x + h;
    const up = await loss();
    values[i] = x - h;
    const down = await loss();
    values[i] = x;
    const fd = (up - down) / (x + h - (x - h));
    const tolerance = 1e-7 + 1e-6 * Math.abs(fd);
    const error = Math.abs((analytic[i] as number) - fd);
    if (!(error <= tolerance)) throw new Error(`${name}[${i}]: analytic ${analytic[i]} vs FD ${fd}`);
    worst = Math.max(worst, error / tolerance);
  }
  return worst;
}
