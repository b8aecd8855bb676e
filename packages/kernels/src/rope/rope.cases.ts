/** Shared RoPE cases: odd head counts, headDim 2, left-padded positions, large positions and theta. */
import type { RopeDims } from './rope.shared.js';
import { positionsFromMask } from './rope.shared.js';
import { seededFloats } from '@rlvr/core';

/** One RoPE case. */
export interface RopeCase {
  /** Stable name. */
  name: string;
  /** Shape and theta. */
  dims: RopeDims;
  /** Position id per token. */
  positions: Int32Array;
  /** Seed of x and dy. */
  seed: number;
  /** Run the finite-difference check. */
  fd: boolean;
}

const range = (n: number, start = 0): Int32Array => Int32Array.from({ length: n }, (_, i) => start + i);

/** The RoPE case table. */
export const ROPE_CASES: readonly RopeCase[] = [
  { name: '1 token, 1 head, d=2', dims: { tokens: 1, heads: 1, headDim: 2, theta: 10000 }, positions: Int32Array.of(3), seed: 1, fd: true },
  { name: '7 tokens, 3 heads, d=6', dims: { tokens: 7, heads: 3, headDim: 6, theta: 10000 }, positions: range(7), seed: 2, fd: true },
  {
    name: 'left-padded batch 2x5, 5 heads, d=8, theta 1e6',
    dims: { tokens: 10, heads: 5, headDim: 8, theta: 1e6 },
    positions: positionsFromMask(Int32Array.of(0, 0, 1, 1, 1, 1, 1, 1, 1, 1), 2, 5),
    seed: 3,
    fd: true,
  },
  { name: 'positions near 32k, d=64', dims: { tokens: 3, heads: 2, headDim: 64, theta: 1e6 }, positions: Int32Array.of(0, 16383, 32767), seed: 4, fd: true },
  { name: '130 tokens, 14 heads, d=64', dims: { tokens: 130, heads: 14, headDim: 64, theta: 1e6 }, positions: range(130), seed: 5, fd: false },
];

/** Seeded f32 inputs of a case: x and dy, both [tokens, heads, headDim]. */
export function ropeCaseInputs(c: RopeCase): { x: Float32Array; dy: Float32Array } {
  const n = c.dims.tokens * c.dims.heads * c.dims.headDim;
  return { x: seededFloats(c.seed * 5, n, 1), dy: seededFloats(c.seed * 5 + 1, n, 1) };
}
