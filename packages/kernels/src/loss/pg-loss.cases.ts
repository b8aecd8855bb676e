/**
 * Shared PG-loss cases: every aggregation mode, k1/k3 KL, truncated IS, sequences of different
 * lengths (including an empty one), ratios far inside and far outside the clip range.
 */
import type { PgLossOptions } from './loss.shared.js';
import { seededFloats } from '@rlvr/core';

/** One PG-loss case. */
export interface PgLossCase {
  /** Stable name. */
  name: string;
  /** Shape and loss options. */
  options: PgLossOptions;
  /** Response length of each sequence (mask = 1 on its first lengths[b] positions). */
  lengths: readonly number[];
  /** Seed of logp, oldLogp, advantages, refLogp, samplerLogp. */
  seed: number;
  /** Spread of logp − oldLogp (0.5 keeps most ratios inside [0.6, 1.65], 2 clips many). */
  ratioSpread: number;
  /** Include reference logprobs. */
  withRef: boolean;
  /** Include sampler logprobs (requires options.tisCap). */
  withSampler: boolean;
}

const base = { epsLow: 0.2, epsHigh: 0.28 } as const;

/** The PG-loss case table. */
export const PG_LOSS_CASES: readonly PgLossCase[] = [
  {
    name: '1 token, token-mean, no KL',
    options: { ...base, batch: 1, seqLen: 1, beta: 0, aggregation: 'token-mean' },
    lengths: [1],
    seed: 1,
    ratioSpread: 0.1,
    withRef: false,
    withSampler: false,
  },
  {
    name: 'token-mean, k3, lengths 7/3/5',
    options: { ...base, batch: 3, seqLen: 7, beta: 0.04, kl: 'k3', aggregation: 'token-mean' },
    lengths: [7, 3, 5],
    seed: 2,
    ratioSpread: 0.5,
    withRef: true,
    withSampler: false,
  },
  {
    name: 'seq-mean-token-mean, k1, lengths 2/0/6 (one empty sequence)',
    options: { ...base, batch: 3, seqLen: 6, beta: 0.1, kl: 'k1', aggregation: 'seq-mean-token-mean' },
    lengths: [2, 0, 6],
    seed: 3,
    ratioSpread: 0.5,
    withRef: true,
    withSampler: false,
  },
  {
    name: 'seq-mean-token-sum-norm N=16, k3 + TIS cap 2, lengths 1/7/4/5',
    options: { ...base, batch: 4, seqLen: 7, beta: 0.02, kl: 'k3', tisCap: 2, aggregation: 'seq-mean-token-sum-norm', normaliser: 16 },
    lengths: [1, 7, 4, 5],
    seed: 4,
    ratioSpread: 0.5,
    withRef: true,
    withSampler: true,
  },
  {
    name: 'many clipped tokens, token-mean, TIS cap 1.5',
    options: { ...base, batch: 2, seqLen: 9, beta: 0, tisCap: 1.5, aggregation: 'token-mean' },
    lengths: [9, 8],
    seed: 5,
    ratioSpread: 2,
    withRef: false,
    withSampler: true,
  },
  {
    name: 'empty batch (all masked out)',
    options: { ...base, batch: 2, seqLen: 3, beta: 0, aggregation: 'seq-mean-token-sum-norm' },
    lengths: [0, 0],
    seed: 6,
    ratioSpread: 0.5,
    withRef: false,
    withSampler: false,
  },
  {
    name: '64 sequences x 257, token-mean, k3',
    options: { ...base, batch: 64, seqLen: 257, beta: 0.001, kl: 'k3', aggregation: 'token-mean' },
    lengths: Array.from({ length: 64 }, (_, b) => 1 + ((b * 37) % 257)),
    seed: 7,
    ratioSpread: 0.5,
    withRef: true,
    withSampler: false,
  },
];

/** Seeded f32 inputs of a case, all [batch, seqLen]; masked-out positions hold −∞ logprobs to prove they are never read. */
export function pgLossCaseInputs(c: PgLossCase): {
  logp: Float32Array;
  oldLogp: Float32Array;
  advantages: Float32Array;
  mask: Float32Array;
  refLogp: Float32Array | null;
  samplerLogp: Float32Array | null;
} {
  const { batch, seqLen } = c.options;
  const n = batch * seqLen;
  // Logprobs in (−3, −0.01): realistic and far from 0.
  const oldLogp = seededFloats(c.seed * 9, n, 1).map((u) => -1.5 + 1.49 * u);
  const delta = seededFloats(c.seed * 9 + 1, n, c.ratioSpread);
  const logp = oldLogp.map((o, i) => o + (delta[i] as number));
  const advantages = seededFloats(c.seed * 9 + 2, n, 1.5);
  const mask = new Float32Array(n);
  for (let b = 0; b < batch; b++) for (let t = 0; t < (c.lengths[b] as number); t++) mask[b * seqLen + t] = 1;
  const refNoise = seededFloats(c.seed * 9 + 3, n, 0.3);
  const samplerNoise = seededFloats(c.seed * 9 + 4, n, 1);
  const refLogp = c.withRef ? oldLogp.map((o, i) => o + (refNoise[i] as number)) : null;
  const samplerLogp = c.withSampler ? oldLogp.map((o, i) => o + (samplerNoise[i] as number)) : null;
  for (let i = 0; i < n; i++) {
    if (mask[i] !== 0) continue;
    logp[i] = -Infinity;
    oldLogp[i] = -Infinity;
  }
  return { logp, oldLogp, advantages, mask, refLogp, samplerLogp };
}
