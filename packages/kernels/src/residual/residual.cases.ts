/** Shared residual-add cases: sizes 0, 1, 7 and a non-multiple of the workgroup size; ±∞ pass through. */
import { seededFloats } from '@rlvr/core';

/** One residual case. */
export interface ResidualCase {
  /** Stable name. */
  name: string;
  /** Number of elements. */
  n: number;
  /** Seed of a, b, dy. */
  seed: number;
}

/** The residual case table. */
export const RESIDUAL_CASES: readonly ResidualCase[] = [
  { name: 'n=0', n: 0, seed: 1 },
  { name: 'n=1', n: 1, seed: 2 },
  { name: 'n=7', n: 7, seed: 3 },
  { name: 'n=896*3+1', n: 2689, seed: 4 },
];

/** Seeded f32 inputs a, b, dy of n elements. */
export function residualCaseInputs(c: ResidualCase): { a: Float32Array; b: Float32Array; dy: Float32Array } {
  return { a: seededFloats(c.seed * 3, c.n, 10), b: seededFloats(c.seed * 3 + 1, c.n, 1), dy: seededFloats(c.seed * 3 + 2, c.n, 1) };
}
