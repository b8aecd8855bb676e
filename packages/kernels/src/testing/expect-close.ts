/**
 * The comparison of a fast f32 CPU op with its reference (the `<op>.cpu.test.ts` files): both compute
 * in f64 and round once to f32 with the same formulas, so differences are a few f32 ulps (a summation
 * order, a stored-vs-recomputed rstd): |fast − ref| ≤ tol·max(1, max|ref|), equal non-finite values.
 */
import { expect } from '@jest/globals';

/** The f32 tolerance of the fast cpu ops, relative to max(1, max|reference|). */
const CPU_F32_TOLERANCE = 1e-6;

/** Asserts |a − b| ≤ tol·max(1, max|b|) element-wise, with equal non-finite values (±∞, NaN) allowed. */
export function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = CPU_F32_TOLERANCE): void {
  expect(a.length).toBe(b.length);
  let scale = 1;
  for (let i = 0; i < b.length; i++) if (Number.isFinite(b[i]!)) scale = Math.max(scale, Math.abs(b[i]!));
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(b[i]!)) {
      expect(Object.is(a[i], b[i]) || (Number.isNaN(a[i]!) && Number.isNaN(b[i]!))).toBe(true);
      continue;
    }
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  }
  expect(worst).toBeLessThanOrEqual(tol * scale);
}
