/**
 * Shared attention cases: size 1, odd head counts, GQA 6 q heads over 2 kv heads, left and right
 * padding, a fully padded sequence (rows must be 0, not NaN), huge scores.
 */
import type { AttentionDims } from './attention.shared.js';
import { seededFloats } from '@rlvr/core';

/** One attention case. */
export interface AttentionCase {
  /** Stable name. */
  name: string;
  /** Shape. */
  dims: AttentionDims;
  /** attention_mask [batch, seq], 1 = token, 0 = padding. */
  mask: Int32Array;
  /** Seed of q, k, v, dO. */
  seed: number;
  /** Magnitude of q and k (large values give near one-hot softmax rows). */
  scale: number;
  /** Run the finite-difference check. */
  fd: boolean;
}

const ones = (n: number): Int32Array => new Int32Array(n).fill(1);

/** The attention case table. */
export const ATTENTION_CASES: readonly AttentionCase[] = [
  { name: 'all ones (1x1, 1 head, d=1)', dims: { batch: 1, seq: 1, numHeads: 1, numKvHeads: 1, headDim: 1 }, mask: ones(1), seed: 1, scale: 1, fd: true },
  { name: 'MHA 1x7, 3 heads, d=5', dims: { batch: 1, seq: 7, numHeads: 3, numKvHeads: 3, headDim: 5 }, mask: ones(7), seed: 2, scale: 1, fd: true },
  {
    name: 'GQA 6/2, left-padded 2x5, d=4',
    dims: { batch: 2, seq: 5, numHeads: 6, numKvHeads: 2, headDim: 4 },
    mask: Int32Array.of(0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
    seed: 3,
    scale: 1,
    fd: true,
  },
  {
    name: 'GQA 7/1 (MQA), right-padded 2x4, d=3',
    dims: { batch: 2, seq: 4, numHeads: 7, numKvHeads: 1, headDim: 3 },
    mask: Int32Array.of(1, 1, 1, 0, 1, 1, 0, 0),
    seed: 4,
    scale: 1,
    fd: true,
  },
  {
    name: 'fully padded sequence next to a full one, 2x3, 2/1 heads, d=2',
    dims: { batch: 2, seq: 3, numHeads: 2, numKvHeads: 1, headDim: 2 },
    mask: Int32Array.of(0, 0, 0, 1, 1, 1),
    seed: 5,
    scale: 1,
    fd: true,
  },
  {
    name: 'huge scores (|q|,|k| ~ 30), 1x6, 2 heads, d=4',
    dims: { batch: 1, seq: 6, numHeads: 2, numKvHeads: 2, headDim: 4 },
    mask: ones(6),
    seed: 6,
    scale: 30,
    fd: false,
  },
  {
    name: 'GQA 14/2, 2x33, d=16, left-padded',
    dims: { batch: 2, seq: 33, numHeads: 14, numKvHeads: 2, headDim: 16 },
    mask: Int32Array.from({ length: 66 }, (_, i) => (i < 5 ? 0 : 1)),
    seed: 7,
    scale: 1,
    fd: false,
  },
];

/** Seeded f32 inputs: q, dO [batch, seq, numHeads, headDim]; k, v [batch, seq, numKvHeads, headDim]. */
export function attentionCaseInputs(c: AttentionCase): { q: Float32Array; k: Float32Array; v: Float32Array; dO: Float32Array } {
  const d = c.dims;
  const nq = d.batch * d.seq * d.numHeads * d.headDim;
  const nk = d.batch * d.seq * d.numKvHeads * d.headDim;
  return {
    q: seededFloats(c.seed * 11, nq, c.scale),
    k: seededFloats(c.seed * 11 + 1, nk, c.scale),
    v: seededFloats(c.seed * 11 + 2, nk, 1),
    dO: seededFloats(c.seed * 11 + 3, nq, 1),
  };
}
