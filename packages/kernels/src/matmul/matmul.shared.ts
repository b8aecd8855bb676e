/** The shape of a (batched) matmul and its resolved strides, shared by the references, the split planner and the WGSL kernel. */

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
export function matmulStrides(shape: MatmulShape): {
  batch: number;
  strideA: number;
  strideB: number;
  strideC: number;
} {
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
