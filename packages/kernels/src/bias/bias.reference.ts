/**
 * The bias of a decoder Linear layer y = x·Wᵀ + b, apart from its matmul: the forward adds b [n] to
 * every row of y [rows, n] (row-major); the gradient of b is the column sums of dy [rows, n]. One f64
 * addition rounded once per element forward; the column sums accumulate in f64 and round once.
 * IEEE semantics for NaN/±∞.
 */
import { type Floats, allocLike, at, requireInt } from '../arrays.js';
import { KernelReferenceError } from '../errors.js';

function checkRows(name: string, y: Floats, n: number): void {
  requireInt('n', n, 1);
  if (y.length % n !== 0) throw new KernelReferenceError(name, `expected [rows, ${n}], got ${y.length} elements`);
}

/** y + bias broadcast over the rows of y [rows, n] (bias [n]); a new array of y's kind. */
export function biasAddForward<T extends Floats>(y: T, bias: Floats): T {
  checkRows('y', y, bias.length);
  const out = allocLike(y, y.length);
  const n = bias.length;
  for (let i = 0; i < y.length; i++) out[i] = at(y, i) + at(bias, i % n);
  return out;
}

/** Gradient of the bias: the column sums of dy [rows, n], [n] of dy's kind. */
export function biasGrad<T extends Floats>(dy: T, n: number): T {
  checkRows('dy', dy, n);
  const acc = new Float64Array(n);
  for (let r = 0; r < dy.length; r += n) for (let j = 0; j < n; j++) acc[j] = at(acc, j) + at(dy, r + j);
  const db = allocLike(dy, n);
  db.set(acc);
  return db;
}
