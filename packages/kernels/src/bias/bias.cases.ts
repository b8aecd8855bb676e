/**
 * Shared bias cases (the decoder's Linear bias, y [rows, n] += b [n] and db = column sums): one row
 * and one column, awkward sizes (not multiples of the 64-invocation workgroup), Qwen2-sized rows, and
 * ±∞ passing through the add.
 */
import { seededFloats } from '@rlvr/core';

/** One bias case. */
export interface BiasCase {
  /** Stable name. */
  name: string;
  /** Rows of y and dy (tokens). */
  rows: number;
  /** Row length (the Linear layer's out features) = bias length. */
  n: number;
  /** Seed of y, bias and dy. */
  seed: number;
  /** Values written over the first elements of y (e.g. ±∞). */
  specials?: readonly number[];
}

/** The bias case table. */
export const BIAS_CASES: readonly BiasCase[] = [
  { name: '1×1', rows: 1, n: 1, seed: 1 },
  { name: '7×5', rows: 7, n: 5, seed: 2 },
  { name: '1×129 (one row, odd n)', rows: 1, n: 129, seed: 3 },
  { name: '130×3 (many rows, few columns)', rows: 130, n: 3, seed: 4 },
  { name: '13×896 (q_proj of Qwen2.5-0.5B)', rows: 13, n: 896, seed: 5 },
  { name: '±∞ in y', rows: 2, n: 3, seed: 6, specials: [Infinity, -Infinity] },
];

/** Seeded f32 inputs: y and dy [rows, n], bias [n] (specials written over y[0..]). */
export function biasCaseInputs(c: BiasCase): { y: Float32Array; bias: Float32Array; dy: Float32Array } {
  const y = seededFloats(c.seed * 3, c.rows * c.n, 4);
  (c.specials ?? []).forEach((v, i) => (y[i] = v));
  return { y, bias: seededFloats(c.seed * 3 + 1, c.n, 1), dy: seededFloats(c.seed * 3 + 2, c.rows * c.n, 1) };
}
