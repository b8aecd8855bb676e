/**
 * The decoder's matrix products behind one small interface, so the same model code runs on the plain
 * f64-accumulating loops (ground truth, and the only path that accepts Float64Array, which the
 * whole-model finite-difference check needs) and on ONNX Runtime's MLAS sgemm (the fast f32 path).
 *
 * Layout: every operand is row-major; C [m, n] = op(A) [m, k] · op(B) [k, n], op(X) = Xᵀ when the
 * matching trans flag is set (A then stored [k, m], B stored [n, k]). The Linear layers use the three
 * 2-D products X·Wᵀ (transB), dY·W (plain) and dYᵀ·X (transA); the fast attention (attention.cpu.ts) uses
 * the same three with `batch` (one product per (sequence, kv head), stacked), so it costs one engine
 * call per product instead of batch·kvHeads.
 */
import type { OrtMatmul } from '../ort/ort-matmul.js';
import type { Floats } from '../arrays.js';
import { referenceMatmulProduct } from '../matmul/matmul.reference.js';

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

/** The plain reference engine; works for Float32Array and Float64Array models. */
export const referenceMatmul: {
  readonly name: 'reference';
  matmul<T extends Floats>(a: T, b: T, shape: EngineMatmulShape, out?: T): T;
} = {
  name: 'reference',
  matmul: (a, b, shape, out) => referenceMatmulProduct(a, b, shape, out),
};

/** Wraps an {@link OrtMatmul} as the fast f32 engine (the caller owns and disposes the OrtMatmul). */
export function ortMatmulEngine(ort: OrtMatmul): MatmulEngine<Float32Array> {
  return {
    name: 'ort',
    matmul: (a, b, s, out) =>
      ort.matmul(
        a,
        b,
        {
          m: s.m,
          n: s.n,
          k: s.k,
          transA: s.transA ?? false,
          transB: s.transB ?? false,
          ...(s.batch !== undefined ? { batch: s.batch } : {}),
        },
        out,
      ),
    exp: (x, out) => ort.exp(x, out),
  };
}
