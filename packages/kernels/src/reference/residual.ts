/**
 * Residual add, y = a + b, element-wise over equal-length flat arrays (any row-major layout, usually
 * [tokens, hidden]). Present so that every op of the decoder has a reference; the sum is one f64
 * addition rounded once. Backward: both inputs receive dy unchanged. IEEE semantics for NaN/±∞.
 */
import { type Floats, allocLike, at, requireLength } from './common.js';

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
