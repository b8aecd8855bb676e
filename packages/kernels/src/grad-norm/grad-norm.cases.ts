/** Shared gradient-norm cases: empty lists, size-1 tensors, tiny next to huge, norms below and above the cap. */
import { seededFloats } from '@rlvr/core';

/** One grad-norm case. */
export interface GradNormCase {
  /** Stable name. */
  name: string;
  /** Length and magnitude of each tensor. */
  tensors: readonly { n: number; scale: number }[];
  /** Clip threshold. */
  maxNorm: number;
  /** Seed of the tensors. */
  seed: number;
}

/** The grad-norm case table. */
export const GRAD_NORM_CASES: readonly GradNormCase[] = [
  { name: 'no tensors', tensors: [], maxNorm: 1, seed: 1 },
  { name: 'one element, below cap', tensors: [{ n: 1, scale: 0.5 }], maxNorm: 1, seed: 2 },
  {
    name: 'sizes 1/7/33, clipped',
    tensors: [
      { n: 1, scale: 1 },
      { n: 7, scale: 2 },
      { n: 33, scale: 3 },
    ],
    maxNorm: 1,
    seed: 3,
  },
  {
    name: 'tiny next to huge',
    tensors: [
      { n: 1000, scale: 1e-20 },
      { n: 5, scale: 1e15 },
    ],
    maxNorm: 1,
    seed: 4,
  },
  { name: 'all zeros', tensors: [{ n: 4, scale: 0 }], maxNorm: 1, seed: 5 },
  {
    name: '257k elements over 3 tensors',
    tensors: [
      { n: 150_000, scale: 1e-3 },
      { n: 100_000, scale: 1e-2 },
      { n: 7_001, scale: 1 },
    ],
    maxNorm: 1,
    seed: 6,
  },
];

/** Seeded f32 tensors of a case. */
export function gradNormCaseInputs(c: GradNormCase): Float32Array[] {
  return c.tensors.map((t, k) => seededFloats(c.seed * 31 + k, t.n, t.scale));
}
