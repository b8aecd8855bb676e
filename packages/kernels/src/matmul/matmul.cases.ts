/**
 * The shared matmul case table: awkward sizes (1, 7, non-multiples of the 4×4 block and of the 8×8
 * workgroup), each transposition, batching with shared operands, and decoder-sized products.
 */
import { seededFloats } from '@rlvr/core';
import { type MatmulShape, matmulInputLengths } from './matmul.shared.js';

/** One named case of the table. */
export interface MatmulCase extends MatmulShape {
  /** Test title. */
  name: string;
}

const layouts = [
  { tag: 'NN', transA: false, transB: false },
  { tag: 'NT', transA: false, transB: true },
  { tag: 'TN', transA: true, transB: false },
  { tag: 'TT', transA: true, transB: true },
] as const;

// [m, n, k]: 1s, primes, one-off-a-multiple-of-4 (exercises the scalar path and edge clamping),
// exact multiples (the vec4 path), a reduction long enough to show f32 accumulation error, and one
// larger than a single 8×8 workgroup of 4×4 blocks in both directions.
const sizes: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 3],
  [7, 1, 5],
  [7, 7, 7],
  [4, 4, 4],
  [5, 9, 13],
  [16, 8, 12],
  [33, 65, 17],
  [64, 64, 64],
  [40, 36, 1000],
  [100, 132, 68],
  [67, 129, 31],
];

/** Every size × every layout, unbatched. */
const plain: MatmulCase[] = sizes.flatMap(([m, n, k]) => layouts.map(({ tag, transA, transB }) => ({ name: `${tag} ${m}×${n}×${k}`, m, n, k, transA, transB })));

/** Batched products: packed, with a shared B (weights, strideB 0), a shared A, and attention-like NT. */
const batched: MatmulCase[] = [
  { name: 'NN batch 3 7×5×9', m: 7, n: 5, k: 9, batch: 3 },
  { name: 'NN batch 4 8×8×8 (vec4)', m: 8, n: 8, k: 8, batch: 4 },
  { name: 'NN batch 5 shared B 12×16×20', m: 12, n: 16, k: 20, batch: 5, strideB: 0 },
  { name: 'NT batch 6 shared A 3×10×6', m: 3, n: 10, k: 6, batch: 6, transB: true, strideA: 0 },
  { name: 'NT batch 8 attention scores 16×16×8', m: 16, n: 16, k: 8, batch: 8, transB: true },
  { name: 'TN batch 2 weight grad 12×20×36', m: 12, n: 20, k: 36, batch: 2, transA: true },
  { name: 'NN batch 2 odd stride 5×6×7 strideA 40', m: 5, n: 6, k: 7, batch: 2, strideA: 40 },
];

/** A decoder-shaped product (tokens × hidden · hidden × hidden), large enough to time. */
const large: MatmulCase[] = [
  { name: 'NN decoder 512×256×256', m: 512, n: 256, k: 256 },
  { name: 'NT decoder 256×384×128', m: 256, n: 384, k: 128, transB: true },
  { name: 'TN decoder grad 128×128×512', m: 128, n: 128, k: 512, transA: true },
];

/** The whole table, shared by the CPU and GPU tests. */
export const matmulCases: readonly MatmulCase[] = [...plain, ...batched, ...large];

/**
 * Seeded f32 operands of case `index` of a table, A and B as long as the shape needs (with its strides);
 * the GPU test and the device check draw the same ones, so a failure on a device reproduces here.
 */
export function matmulCaseInputs(c: MatmulShape, index: number): { a: Float32Array; b: Float32Array } {
  const lengths = matmulInputLengths(c);
  return { a: seededFloats(1000 + index, lengths.a), b: seededFloats(2000 + index, lengths.b) };
}
