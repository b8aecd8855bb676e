/**
 * The decoder's matrix products behind one small interface, so the same model code runs on the plain
 * f64-accumulating loops (ground truth, and the only path that accepts Float64Array, which the
 * whole-model finite-difference check needs) and on ONNX Runtime's MLAS sgemm (the fast f32 path).
 *
 * Layout: every operand is row-major; C [m, n] = op(A) [m, k] · op(B) [k, n], op(X) = Xᵀ when the
 * matching trans flag is set (A then stored [k, m], B stored [n, k]). The Linear layers use the three
 * 2-D products X·Wᵀ (transB), dY·W (plain) and dYᵀ·X (transA); the fast attention (src/cpu-ops) uses
 * the same three with `batch` (one product per (sequence, kv head), stacked), so it costs one engine
 * call per product instead of batch·kvHeads.
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
  /** Number of independent products stacked along the leading axis of A, B and C (absent: one). */
  batch?: number;
}

/** A provider of matrix products on arrays of kind T; returns C of A's kind (`out` when given, else fresh). */
export interface MatmulEngine<T extends Floats> {
  /** Short name for reports ("reference", "ort"). */
  readonly name: string;
  /**
   * C = op(A)·op(B); may be synchronous (reference) or asynchronous (ORT). `out` (length batch·m·n,
   * not overlapping A or B) lets the fast path reuse buffers and write weight gradients in place.
   */
  matmul(a: T, b: T, shape: EngineMatmulShape, out?: T): T | Promise<T>;
  /**
   * Optional out = e^x element-wise (the fast SwiGLU's σ input); engines without it leave the exp
   * to the JS op. `out` has x's length and does not overlap it.
   */
  exp?(x: T, out: T): Promise<T>;
}

/**
 * Plain-loop product, f64 accumulation, one rounding on store. Written here rather than reusing
 * matmulReference because that one is typed and allocated as Float32Array only; the loop order
 * (i, p, j with a row accumulator) keeps the inner loop contiguous so the reference path of a
 * ~1M-parameter model still runs in seconds, not minutes.
 */
export function referenceMatmulProduct<T extends Floats>(a: T, b: Floats, s: EngineMatmulShape, out?: T): T {
  const { m, n, k } = s;
  const batch = s.batch ?? 1;
  const c = out ?? allocLike(a, batch * m * n);
  if (s.batch !== undefined) {
    // Stacked products: each entry is the 2-D product on its slice (subarray views share memory).
    for (let e = 0; e < batch; e++) {
      referenceMatmulProduct(a.subarray(e * m * k, (e + 1) * m * k) as T, b.subarray(e * n * k, (e + 1) * n * k), { m, n, k, transA: s.transA, transB: s.transB }, c.subarray(e * m * n, (e + 1) * m * n) as T);
    }
    return c;
  }
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
export const referenceMatmul: { readonly name: 'reference'; matmul<T extends Floats>(a: T, b: T, shape: EngineMatmulShape, out?: T): T } = {
  name: 'reference',
  matmul: (a, b, shape, out) => referenceMatmulProduct(a, b, shape, out),
};

/** Wraps an {@link OrtMatmul} as the fast f32 engine (the caller owns and disposes the OrtMatmul). */
export function ortMatmulEngine(ort: OrtMatmul): MatmulEngine<Float32Array> {
  return {
    name: 'ort',
    matmul: (a, b, s, out) => ort.matmul(a, b, { m: s.m, n: s.n, k: s.k, transA: s.transA ?? false, transB: s.transB ?? false, ...(s.batch !== undefined ? { batch: s.batch } : {}) }, out),
    exp: (x, out) => ort.exp(x, out),
  };
}
