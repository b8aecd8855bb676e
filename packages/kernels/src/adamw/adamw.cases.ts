/** Shared AdamW cases: sizes 1, 3, 7 and a non-multiple of the workgroup size; zero and large gradients. */
import type { AdamWOptions } from './adamw.shared.js';
import { seededFloats } from '@rlvr/core';

/** One AdamW case, run for `steps` consecutive steps with a fresh seeded gradient each step. */
export interface AdamWCase {
  /** Stable name. */
  name: string;
  /** Tensor length. */
  n: number;
  /** Hyperparameters. */
  options: AdamWOptions;
  /** Number of steps. */
  steps: number;
  /** Gradient magnitude. */
  gradScale: number;
  /** Seed of the parameter and gradients. */
  seed: number;
}

/** The AdamW case table. */
export const ADAMW_CASES: readonly AdamWCase[] = [
  { name: 'n=1, defaults', n: 1, options: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 }, steps: 3, gradScale: 1, seed: 1 },
  { name: 'n=7, lr 1e-2, wd 0.1', n: 7, options: { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 }, steps: 5, gradScale: 1e-3, seed: 2 },
  { name: 'n=4097, zero gradient (decay only)', n: 4097, options: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 }, steps: 2, gradScale: 0, seed: 3 },
  { name: 'n=1000, large gradients', n: 1000, options: { lr: 1e-6, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }, steps: 4, gradScale: 1e4, seed: 4 },
];

/** Seeded initial parameter [n] and one gradient [n] per step. */
export function adamwCaseInputs(c: AdamWCase): { param: Float32Array; grads: Float32Array[] } {
  return {
    param: seededFloats(c.seed * 13, c.n, 1),
    grads: Array.from({ length: c.steps }, (_, s) => seededFloats(c.seed * 13 + 1 + s, c.n, c.gradScale)),
  };
}
