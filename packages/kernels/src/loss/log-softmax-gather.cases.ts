/**
 * Shared log-softmax + gather cases: vocab 1, odd vocab sizes, −∞ masked vocabulary entries, a row of
 * all −∞, huge logits ±1e4 (max subtraction must hold), temperature ≠ 1, a Qwen-sized vocabulary row.
 */
import type { LogSoftmaxDims } from './loss.shared.js';
import { seededFloats, seededInts } from '@rlvr/core';

/** One log-softmax case. */
export interface LogSoftmaxCase {
  /** Stable name. */
  name: string;
  /** Shape and temperature. */
  dims: LogSoftmaxDims;
  /** Seed of logits, targets and the upstream gradients. */
  seed: number;
  /** Magnitude of the logits. */
  scale: number;
  /** [token, vocab index, value] written over the seeded logits (−∞ masks, huge values). */
  overrides: readonly (readonly [number, number, number])[];
  /** Run the finite-difference check. */
  fd: boolean;
}

const NEG_INF = -Infinity;

/** The log-softmax + gather case table. */
export const LOG_SOFTMAX_CASES: readonly LogSoftmaxCase[] = [
  { name: 'vocab 1', dims: { tokens: 1, vocab: 1 }, seed: 1, scale: 1, overrides: [], fd: true },
  { name: '7 tokens x vocab 7', dims: { tokens: 7, vocab: 7 }, seed: 2, scale: 3, overrides: [], fd: true },
  { name: 'temperature 0.7, 3x50', dims: { tokens: 3, vocab: 50, temperature: 0.7 }, seed: 3, scale: 4, overrides: [], fd: true },
  {
    name: '−∞ masked entries (top-k style), 3x11',
    dims: { tokens: 3, vocab: 11 },
    seed: 4,
    scale: 2,
    overrides: [
      [0, 1, NEG_INF],
      [0, 5, NEG_INF],
      [1, 0, NEG_INF],
      [2, 10, NEG_INF],
    ],
    fd: true,
  },
  {
    name: 'row of all −∞ next to a normal row, 2x4',
    dims: { tokens: 2, vocab: 4 },
    seed: 5,
    scale: 1,
    overrides: [
      [0, 0, NEG_INF],
      [0, 1, NEG_INF],
      [0, 2, NEG_INF],
      [0, 3, NEG_INF],
    ],
    fd: true,
  },
  {
    name: 'huge logits ±1e4, 3x9',
    dims: { tokens: 3, vocab: 9 },
    seed: 6,
    scale: 1,
    overrides: [
      [0, 0, 1e4],
      [0, 3, 1e4 - 1],
      [1, 2, -1e4],
      [1, 5, -1e4],
      [2, 0, 1e4],
      [2, 1, -1e4],
    ],
    fd: true,
  },
  { name: '5 tokens x vocab 1000', dims: { tokens: 5, vocab: 1000 }, seed: 7, scale: 5, overrides: [], fd: false },
  { name: '2 tokens x vocab 151936 (Qwen2.5)', dims: { tokens: 2, vocab: 151936 }, seed: 8, scale: 8, overrides: [], fd: false },
];

/** Seeded f32 inputs: logits [tokens, vocab], targets, gLogprob, gEntropy [tokens]. */
export function logSoftmaxCaseInputs(c: LogSoftmaxCase): {
  logits: Float32Array;
  targets: Int32Array;
  gLogprob: Float32Array;
  gEntropy: Float32Array;
} {
  const { tokens, vocab } = c.dims;
  const logits = seededFloats(c.seed * 5, tokens * vocab, c.scale);
  for (const [t, j, value] of c.overrides) logits[t * vocab + j] = value;
  const targets = seededInts(c.seed * 5 + 1, tokens, vocab);
  // Keep targets on finite logits (a −∞ target is legal but makes its logprob −∞, useless for checks);
  // a row with no finite logit keeps its seeded target.
  for (let t = 0; t < tokens; t++) {
    if (logits[t * vocab + (targets[t] as number)] !== NEG_INF) continue;
    for (let j = 0; j < vocab; j++) {
      if (logits[t * vocab + j] !== NEG_INF) {
        targets[t] = j;
        break;
      }
    }
  }
  return { logits, targets, gLogprob: seededFloats(c.seed * 5 + 2, tokens, 1), gEntropy: seededFloats(c.seed * 5 + 3, tokens, 1) };
}
