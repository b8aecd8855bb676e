/**
 * The decoder's matrix products behind one small interface, so the same model code runs on the plain
 * f64-accumulating loops (ground truth, and the only path that accepts Float64Array, which the
 * whole-model finite-difference check needs) and on ONNX Runtime's MLAS sgemm (the fast f32 path).
 *
 * Layout: every operand is row-major; C [m, n] = op(A) [m, k] · op(B) [k, n], op(X) = Xᵀ when the
 * matching trans flag is set (A then stored [k, m], B stored [n, k]). Only the three 2-D products a
 * Linear layer needs are used: X·Wᵀ (transB), dY·W (plain) and dYᵀ·X (transA).
 */
import type { OrtMatmul } from '../cpu/ort-matmul.js';
import { type Floats, allocLike } from '../reference/common.js';

/** Shape of one 2-D product C = op(A)·op(B). */
export interface EngineMatmulShape {
  /** Rows of op(A) and of C. */
  m: number;
  /** Columns of op(B) and of C. */
  n: number;
  /** Reduction length. */
  k: number;
  /** A is stored [k, m]. */
  transA?: boolean;
  /** B is stored [n, k]. */
  transB?: boolean;
}

/** A provider of matrix products on arrays of kind T; returns a fresh C of A's kind. */
export interface MatmulEngine<T extends Floats> {
  /** Short name for reports ("reference", "ort"). */
  readonly name: string;
  /** C = op(A)·op(B); may be synchronous (reference) or asynchronous (ORT). */
  matmul(a: T, b: T, shape: EngineMatmulShape): T | Promise<T>;
}

/**
 * Plain-loop product, f64 accumulation, one rounding on store. Written here rather than reusing
 * matmulReference because that one is typed and allocated as Float32Array only; the loop order
 * (i, p, j with a row accumulator) keeps the inner loop contiguous so the reference path of a
 * ~1M-parameter model still runs in seconds, not minutes.
 */
export function referenceMatmulProduct<T extends Floats>(a: T, b: Floats, s: EngineMatmulShape): T {
  const { m, n, k } = s;
  const c = allocLike(a, m * n);
  const row = new Float64Array(n);
  // B stored [n, k] is transposed once so the inner loop always walks contiguous memory.
  let bt: Floats = b;
  if (s.transB) {
    const t = new Float64Array(k * n);
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) t[p * n + j] = b[j * k + p]!;
    bt = t;
  }
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const av = s.transA ? a[p * m + i]! : a[i * k + p]!;
      const o = p * n;
      for (let j = 0; j < n; j++) row[j] = row[j]! + av * bt[o + j]!;
    }
    c.set(row, i * n);
  }
  return c;
}

/** The plain reference engine; works for Float32Array and Float64Array models. */
export const referenceMatmul: { readonly name: 'reference'; matmul<T extends Floats>(a: T, b: T, shape: EngineMatmulShape): T } = {
  name: 'reference',
  matmul: (a, b, shape) => referenceMatmulProduct(a, b, shape),
};

/** Wraps an {@link OrtMatmul} as the fast f32 engine (the caller owns and disposes the OrtMatmul). */
export function ortMatmulEngine(ort: OrtMatmul): MatmulEngine<Float32Array> {
  return {
    name: 'ort',
    matmul: (a, b, s) => ort.matmul(a, b, { m: s.m, n: s.n, k: s.k, transA: s.transA ?? false, transB: s.transB ?? false }),
  };
}
