/**
 * Shared RoPE cases: odd head counts, headDim 2, left-padded positions, large positions and theta, and
 * each rope_scaling variant (llama3, linear, yarn with its cos/sin gain, dynamic past max_position_embeddings).
 */
import type { RopeDims } from './rope.shared.js';
import { plainRope, positionsFromMask } from './rope.shared.js';
import { seededFloats, type RopeConfig, type RopeScaling } from '@rlvr/core';

/** One RoPE case. */
export interface RopeCase {
  /** Stable name. */
  name: string;
  /** Shape and angles. */
  dims: RopeDims;
  /** Position id per token. */
  positions: Int32Array;
  /** Seed of x and dy. */
  seed: number;
  /** Run the finite-difference check. */
  fd: boolean;
}

const range = (n: number, start = 0): Int32Array => Int32Array.from({ length: n }, (_, i) => start + i);

const scaled = (headDim: number, ropeScaling: RopeScaling, maxPositionEmbeddings: number): RopeConfig => ({
  headDim,
  ropeTheta: 10000,
  ropeScaling,
  maxPositionEmbeddings,
});

/** The RoPE case table. */
export const ROPE_CASES: readonly RopeCase[] = [
  { name: '1 token, 1 head, d=2', dims: { tokens: 1, heads: 1, rope: plainRope(2, 10000) }, positions: Int32Array.of(3), seed: 1, fd: true },
  { name: '7 tokens, 3 heads, d=6', dims: { tokens: 7, heads: 3, rope: plainRope(6, 10000) }, positions: range(7), seed: 2, fd: true },
  {
    name: 'left-padded batch 2x5, 5 heads, d=8, theta 1e6',
    dims: { tokens: 10, heads: 5, rope: plainRope(8, 1e6) },
    positions: positionsFromMask(Int32Array.of(0, 0, 1, 1, 1, 1, 1, 1, 1, 1), 2, 5),
    seed: 3,
    fd: true,
  },
  { name: 'positions near 32k, d=64', dims: { tokens: 3, heads: 2, rope: plainRope(64, 1e6) }, positions: Int32Array.of(0, 16383, 32767), seed: 4, fd: true },
  { name: '130 tokens, 14 heads, d=64', dims: { tokens: 130, heads: 14, rope: plainRope(64, 1e6) }, positions: range(130), seed: 5, fd: false },
  {
    name: 'llama3 scaling, d=8 (one dim kept, one blended, two divided)',
    dims: { tokens: 9, heads: 3, rope: scaled(8, { ropeType: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 }, 256) },
    positions: Int32Array.of(0, 1, 2, 17, 63, 64, 100, 200, 255),
    seed: 6,
    fd: true,
  },
  { name: 'linear scaling x4, d=6', dims: { tokens: 5, heads: 2, rope: scaled(6, { ropeType: 'linear', factor: 4 }, 128) }, positions: Int32Array.of(0, 3, 9, 60, 127), seed: 7, fd: true },
  {
    name: 'yarn x4 (cos/sin gain 1.139), d=16',
    dims: { tokens: 6, heads: 2, rope: scaled(16, { ropeType: 'yarn', factor: 4 }, 64) },
    positions: Int32Array.of(0, 1, 5, 63, 130, 255),
    seed: 8,
    fd: true,
  },
  {
    name: 'dynamic NTK x2 past max_position_embeddings, d=8',
    dims: { tokens: 4, heads: 2, rope: scaled(8, { ropeType: 'dynamic', factor: 2 }, 32) },
    positions: Int32Array.of(0, 10, 31, 47),
    seed: 9,
    fd: true,
  },
];

/** Seeded f32 inputs of a case: x and dy, both [tokens, heads, headDim]. */
export function ropeCaseInputs(c: RopeCase): { x: Float32Array; dy: Float32Array } {
  const n = c.dims.tokens * c.dims.heads * c.dims.rope.headDim;
  return { x: seededFloats(c.seed * 5, n, 1), dy: seededFloats(c.seed * 5 + 1, n, 1) };
}
