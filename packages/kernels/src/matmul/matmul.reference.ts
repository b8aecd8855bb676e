/** CPU reference of matmul: plain loops, f64 accumulation. The ground truth of the GPU tests. */

/** Shape and layout of a (batched) matmul C[b] = op(A[b]) · op(B[b]); all arrays row-major. */
export interface MatmulShape {
  /** Rows of op(A) and of C. */
  m: number;
  /** Columns of op(B) and of C. */
  n: number;
  /** Columns of op(A) = rows of op(B): the reduction length. */
  k: number;
  /** Number of independent products; default 1. */
  batch?: number;
  /** A is stored K×M (op(A) = Aᵀ). */
  transA?: boolean;
  /** B is stored N×K (op(B) = Bᵀ). */
  transB?: boolean;
  /** Elements between consecutive A matrices; default m·k, 0 shares one A across the batch. */
  strideA?: number;
  /** Elements between consecutive B matrices; default k·n, 0 shares one B across the batch. */
  strideB?: number;
}

/** Resolved batch and strides of a shape (C is always packed: stride m·n). */
export function matmulStrides(shape: MatmulShape): { batch: number; strideA: number; strideB: number; strideC: number } {
  return {
    batch: shape.batch ?? 1,
    strideA: shape.strideA ?? shape.m * shape.k,
    strideB: shape.strideB ?? shape.k * shape.n,
    strideC: shape.m * shape.n,
  };
}

/** Elements A must hold for `shape` (the last batch's matrix ends there). */
export function matmulInputLengths(shape: MatmulShape): { a: number; b: number; c: number } {
  const { batch, strideA, strideB, strideC } = matmulStrides(shape);
  return {
    a: (batch - 1) * strideA + shape.m * shape.k,
    b: (batch - 1) * strideB + shape.k * shape.n,
    c: batch * strideC,
  };
}

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
