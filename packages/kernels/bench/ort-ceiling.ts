/**
 * The benchmarks' ceiling: ONNX Runtime's MatMul (MLAS) on one large product, the rate the cpu
 * backend's training steps are compared with.
 */
import * as ort from 'onnxruntime-node';
import { encodeOnnxModel, seededFloats } from '@rlvr/core';
import { median } from '../../../tools/bench/harness.js';

/** A session computing C = A·B at m×k·k×n on `threads` intra-op threads; `gflops(runs)` times it (median of `runs`, after one warm-up run). */
export async function matmulCeiling(
  m: number,
  n: number,
  k: number,
  threads: number,
): Promise<{ gflops: (runs: number) => Promise<number>; release: () => Promise<void> }> {
  const session = await ort.InferenceSession.create(
    encodeOnnxModel({
      nodes: [{ opType: 'MatMul', inputs: ['A', 'B'], outputs: ['C'] }],
      inputs: [
        { name: 'A', dims: [m, k] },
        { name: 'B', dims: [k, n] },
      ],
      outputs: [{ name: 'C', dims: [m, n] }],
    }),
    { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' },
  );
  const feeds = {
    A: new ort.Tensor('float32', seededFloats(1, m * k, 0.5), [m, k]),
    B: new ort.Tensor('float32', seededFloats(2, k * n, 0.5), [k, n]),
  };
  await session.run(feeds);
  return {
    gflops: async (runs) => {
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        await session.run(feeds);
        samples.push(Number(process.hrtime.bigint() - start) / 1e9);
      }
      return (2 * m * n * k) / median(samples) / 1e9;
    },
    release: () => session.release(),
  };
}
