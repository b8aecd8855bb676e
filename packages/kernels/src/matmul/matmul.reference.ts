/**
 * CPU references of matmul: plain loops, f64 accumulation. `matmulReference` (f32, any strides) is the
 * ground truth of the GPU and ONNX Runtime tests; `referenceMatmulProduct` (f32 or f64, stacked
 * products, optional output) is the product of the CPU decoder's reference engine.
 */
import { type Floats, allocLike } from '../arrays.js';
import { type MatmulShape, matmulStrides } from './matmul.shared.js';

/** Shape of a {@link referenceMatmulProduct}: C = op(A)·op(B), `batch` stacked products (absent: one 2-D product). */
export type ReferenceProductShape = Pick<MatmulShape, 'm' | 'n' | 'k' | 'transA' | 'transB' | 'batch'>;

/** C = op(A) · op(B) for every batch, by the definition, accumulating in f64. */
export function matmulReference(a: Float32Array, b: Float32Array, shape: MatmulShape): Float32Array {
  const { m, n, k } = shape;
  const { batch, strideA, strideB, strideC } = matmulStrides(shape);
  const c = new Float32Array(batch * strideC);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = shape.transA ? a[t * strideA + p * m + i]! : a[t * strideA + i * k + p]!;
          const bv = shape.transB ? b[t * strideB + j * k + p]! : b[t * strideB + p * n + j]!;
          sum += av * bv;
        }
        c[t * strideC + i * n + j] = sum;
      }
    }
  }
  return c;
}

/**
 * Plain-loop product, f64 accumulation, one rounding on store. Written here rather than reusing
 * matmulReference because that one is typed and allocated as Float32Array only; the loop order
 * (i, p, j with a row accumulator) keeps the inner loop contiguous so the reference path of a
 * ~1M-parameter model still runs in seconds, not minutes.
 */
export function referenceMatmulProduct<T extends Floats>(a: T, b: Floats, s: ReferenceProductShape, out?: T): T {
  const { m, n, k } = s;
  const batch = s.batch ?? 1;
  const c = out ?? allocLike(a, batch * m * n);
  if (s.batch !== undefined) {
    // Stacked products: each entry is the 2-D product on its slice (subarray views share memory).
    for (let e = 0; e < batch; e++) {
      referenceMatmulProduct(
        a.subarray(e * m * k, (e + 1) * m * k) as T,
        b.subarray(e * n * k, (e + 1) * n * k),
        { m, n, k, transA: s.transA, transB: s.transB },
        c.subarray(e * m * n, (e + 1) * m * n) as T,
      );
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
