/**
 * Inputs of the memory benchmarks. Weights are lazily generated tensors: only the most recently read
 * one exists (validation and the model's copy both read them in parameter order), so the benchmark
 * measures the model's own memory, not a second set of weights held by the harness. RMSNorm gains are
 * ones.
 */
import { type DecoderConfig, parameterSpecs } from '@rlvr/core';
import type { PolicyBatch } from '../src/policy/index.js';

/** Named tensors of `config` whose data is made on first read by `fill(parameterIndex, length)`. */
export function lazyWeights(
  config: DecoderConfig,
  fill: (index: number, length: number) => Float32Array,
): Record<string, { shape: number[]; data: Float32Array }> {
  let last: { name: string; data: Float32Array } | undefined;
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  parameterSpecs(config).forEach((s, index) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    Object.defineProperty(out, s.name, {
      enumerable: true,
      value: {
        shape: s.shape,
        get data(): Float32Array {
          if (last?.name !== s.name) {
            last = { name: s.name, data: s.kind === 'norm' ? new Float32Array(n).fill(1) : fill(index, n) };
          }
          return last.data;
        },
      },
    });
  });
  return out;
}

/** One seeded sequence of `seq` tokens, the loss on its last three quarters, advantages alternating ±1. */
export function singleSequenceBatch(config: DecoderConfig, seq: number): PolicyBatch {
  const n = seq - 1;
  let seed = 7;
  return {
    tokens: Int32Array.from({ length: seq }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % config.vocabSize),
    attentionMask: new Int32Array(seq).fill(1),
    batch: 1,
    seq,
    lossMask: Float32Array.from({ length: n }, (_, i) => (i >= n >> 2 ? 1 : 0)),
    advantages: Float32Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1)),
  };
}
