/**
 * Residual add, y = a + b, element-wise over equal-length flat arrays (any row-major layout, usually
 * [tokens, hidden]), and its in-place form a += b (how a backward sums two branches into one
 * gradient). Present so that every op of the decoder has a reference; the sum is one f64 addition
 * rounded once. Backward: both inputs receive dy unchanged. IEEE semantics for NaN/±∞.
 */
import { type Floats, allocLike, at, requireLength } from '../arrays.js';

/** y = a + b element-wise. */
export function residualAddForward<T extends Floats>(a: T, b: Floats): T {
  requireLength('b', b, a.length, 'same as a');
  const y = allocLike(a, a.length);
  for (let i = 0; i < a.length; i++) y[i] = at(a, i) + at(b, i);
  return y;
}

/** Gradients of y = a + b: da = dy and db = dy (fresh copies, so callers may accumulate into them). */
export function residualAddBackward<T extends Floats>(dy: T): { da: T; db: T } {
  return { da: dy.slice() as T, db: dy.slice() as T };
}

/** a += b element-wise, in place on a (one f64 addition rounded once per element, as the forward). */
export function residualAddInto(a: Floats, b: Floats): void {
  requireLength('b', b, a.length, 'same as a');
  for (let i = 0; i < a.length; i++) a[i] = at(a, i) + at(b, i);
}
