/**
 * Shared RMSNorm cases (reference, GPU and fast-CPU suites): awkward shapes, large magnitudes, and a
 * `fd` flag marking the cases small enough for the f64 finite-difference check.
 */
import type { RmsNormDims } from './rmsnorm.shared.js';
import { seededFloats } from '@rlvr/core';

/** One RMSNorm case: shape, seed, input magnitude. */
export interface RmsNormCase {
  /** Stable name for test titles. */
  name: string;
  /** Shape and eps. */
  dims: RmsNormDims;
  /** Seed of x, weight and dy. */
  seed: number;
  /** Magnitude of x. */
  scale: number;
  /** Run the finite-difference check on this case. */
  fd: boolean;
}

/** The RMSNorm case table. */
export const RMSNORM_CASES: readonly RmsNormCase[] = [
  { name: '1x1', dims: { rows: 1, hidden: 1, eps: 1e-6 }, seed: 1, scale: 1, fd: true },
  { name: '7x7', dims: { rows: 7, hidden: 7, eps: 1e-6 }, seed: 2, scale: 1, fd: true },
  { name: '3x33 eps 1e-5', dims: { rows: 3, hidden: 33, eps: 1e-5 }, seed: 3, scale: 2, fd: true },
  { name: '2x17 large x', dims: { rows: 2, hidden: 17, eps: 1e-6 }, seed: 4, scale: 1e3, fd: true },
  { name: '0 rows', dims: { rows: 0, hidden: 8, eps: 1e-6 }, seed: 5, scale: 1, fd: true },
  { name: '4x896 (Qwen2.5-0.5B width)', dims: { rows: 4, hidden: 896, eps: 1e-6 }, seed: 6, scale: 1, fd: false },
  { name: '65x257 (past a 256 workgroup)', dims: { rows: 65, hidden: 257, eps: 1e-6 }, seed: 7, scale: 1, fd: false },
];

/** Seeded f32 inputs of a case: x [rows, hidden], weight [hidden], dy [rows, hidden]. */
export function rmsNormCaseInputs(c: RmsNormCase): { x: Float32Array; weight: Float32Array; dy: Float32Array } {
  const n = c.dims.rows * c.dims.hidden;
  const weight = seededFloats(c.seed * 7 + 1, c.dims.hidden, 0.5).map((w) => 1 + w);
  return { x: seededFloats(c.seed * 7, n, c.scale), weight, dy: seededFloats(c.seed * 7 + 2, n, 1) };
}
