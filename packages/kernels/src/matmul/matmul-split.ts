/**
 * Splitting a matmul whose operands exceed one storage binding into sub-products (pure arithmetic, no
 * GPU): blocks of C's rows (M), of C's columns (N) and of the reduction (K), each operand then touching
 * one contiguous element range small enough to bind as a window. Which dimension splits an operand
 * follows from its layout: a stored row of A is a row of C (NN) or a K step (TN); a stored row of B is
 * a column of C (NT) or a K step (NN); a row of C is a row of C.
 */
import { TensorShapeError } from '../device/errors.js';
import { matmulInputLengths, matmulStrides, type MatmulShape } from './matmul.shared.js';

/** Block sizes of a split product (the whole dimension when that dimension is not split). */
export interface MatmulBlocks {
  m: number;
  n: number;
  k: number;
}

/** Elements [start, end) of one operand that a sub-product reads or writes. */
export interface ElementRange {
  start: number;
  end: number;
}

/** One sub-product: C[m0 : m0 + m, n0 : n0 + n] (+)= op(A)[…, k0 : k0 + k] · op(B)[k0 : k0 + k, …]. */
export interface MatmulTile {
  m0: number;
  n0: number;
  k0: number;
  m: number;
  n: number;
  k: number;
  /** True for every K block after the first: the tile adds to C instead of overwriting it. */
  accumulate: boolean;
  a: ElementRange;
  b: ElementRange;
  c: ElementRange;
}

/** Stored row lengths: A is M×K (K×M when transposed), B is K×N (N×K), C is M×N. */
export function matmulLeadingDims(shape: MatmulShape): { ldA: number; ldB: number; ldC: number } {
  return { ldA: shape.transA ? shape.m : shape.k, ldB: shape.transB ? shape.k : shape.n, ldC: shape.n };
}

/**
 * Block sizes such that every operand's part of a sub-product fits `maxBytes` once its window is
 * aligned (`slackBytes` covers rounding the offset down to the alignment and the size up to 16 B).
 * Blocks are multiples of 4 (the kernel's 4×4 register block, and vec4 alignment of window offsets).
 * Throws a TensorShapeError naming the operand when not even 4 of its stored rows fit, or when a
 * batched product would need splitting.
 */
export function matmulBlocks(shape: MatmulShape, maxBytes: number, slackBytes: number): MatmulBlocks {
  const blocks: MatmulBlocks = { m: shape.m, n: shape.n, k: shape.k };
  const { ldA, ldB, ldC } = matmulLeadingDims(shape);
  const need = matmulInputLengths(shape);
  const operands = [
    { name: 'A', elements: need.a, ld: ldA, dim: shape.transA ? 'k' : 'm' },
    { name: 'B', elements: need.b, ld: ldB, dim: shape.transB ? 'n' : 'k' },
    { name: 'C', elements: need.c, ld: ldC, dim: 'm' },
  ] as const;
  for (const op of operands) {
    if (op.elements * 4 + slackBytes <= maxBytes) continue;
    if (matmulStrides(shape).batch > 1) {
      throw new TensorShapeError(
        `matmul: ${op.name} needs ${op.elements * 4} bytes, more than one storage binding (${maxBytes} bytes); batched products are not split`,
      );
    }
    const rows = Math.floor((maxBytes - slackBytes) / (op.ld * 4) / 4) * 4;
    if (rows < 4) {
      throw new TensorShapeError(
        `matmul: 4 rows of ${op.name} (${op.ld} elements each) exceed one storage binding (${maxBytes} bytes)`,
      );
    }
    blocks[op.dim] = Math.min(blocks[op.dim], rows);
  }
  return blocks;
}

/** [start, end) of rows [r0, r0 + rows) × columns [c0, c0 + cols) of a row-major matrix with row length ld. */
function range(ld: number, r0: number, rows: number, c0: number, cols: number): ElementRange {
  if (rows === 0 || cols === 0) return { start: 0, end: 0 };
  return { start: r0 * ld + c0, end: (r0 + rows - 1) * ld + c0 + cols };
}

/** The sub-products of `shape` for `blocks`, K blocks of one C block consecutive (first one overwrites). */
export function matmulTiles(shape: MatmulShape, blocks: MatmulBlocks): MatmulTile[] {
  const { ldA, ldB, ldC } = matmulLeadingDims(shape);
  const need = matmulInputLengths(shape);
  const whole = blocks.m >= shape.m && blocks.n >= shape.n && blocks.k >= shape.k;
  const starts = (size: number, block: number): number[] => {
    const out: number[] = [];
    for (let s = 0; s < size; s += block) out.push(s);
    return out;
  };
  const tiles: MatmulTile[] = [];
  // K = 0 still writes C (zeros), so it keeps one K block.
  const kStarts = shape.k === 0 ? [0] : starts(shape.k, blocks.k);
  for (const m0 of starts(shape.m, blocks.m)) {
    for (const n0 of starts(shape.n, blocks.n)) {
      for (const k0 of kStarts) {
        const m = Math.min(blocks.m, shape.m - m0);
        const n = Math.min(blocks.n, shape.n - n0);
        const k = Math.min(blocks.k, shape.k - k0);
        tiles.push({
          m0,
          n0,
          k0,
          m,
          n,
          k,
          accumulate: k0 > 0,
          // An unsplit product (possibly batched) binds each operand from element 0 to its end.
          a: whole ? { start: 0, end: need.a } : shape.transA ? range(ldA, k0, k, m0, m) : range(ldA, m0, m, k0, k),
          b: whole ? { start: 0, end: need.b } : shape.transB ? range(ldB, n0, n, k0, k) : range(ldB, k0, k, n0, n),
          c: whole ? { start: 0, end: need.c } : range(ldC, m0, m, n0, n),
        });
      }
    }
  }
  return tiles;
}
