/**
 * matmul throughput on the current WebGPU adapter, next to ONNX Runtime's CPU MatMul (MLAS, the
 * "what this machine can do" anchor) and the plain-loop CPU reference, all measured in this run.
 * Entries `matmul-{256,1024,decoder}-webgpu` (GFLOP/s, baseline ORT CPU at the same size), the same
 * for the reference, and the ORT figures themselves. GPU time: R dispatches in one submit, then
 * `onSubmittedWorkDone`, median of five submits of ≈ 0.3 s each (Dawn's per-submit overhead is ~50 µs).
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { compared, median, standalone, writeResults, type BenchEntry } from '../../../tools/bench/harness.js';
import { encodeOnnxModel } from '@rlvr/core';
import { describeAdapter, requestGpuDevice } from '../src/device/index.js';
import { matmulReference } from '../src/matmul/matmul.reference.js';
import { matmulUsesVec4 } from '../src/matmul/matmul.gpu.js';
import { type MatmulShape } from '../src/matmul/matmul.shared.js';
import { seededFloats } from '@rlvr/core';
import { flops, gpuGflops, timeAsync } from './gpu-timing.js';

interface Size {
  /** Entry name stem, e.g. `matmul-1024`. */
  name: string;
  shape: MatmulShape;
}

const SIZES: Size[] = [
  { name: 'matmul-256', shape: { m: 256, n: 256, k: 256 } },
  { name: 'matmul-1024', shape: { m: 1024, n: 1024, k: 1024 } },
  // Decoder-shaped: 4096 tokens (batch 64 × seq 64) through a 256→256 projection.
  { name: 'matmul-decoder', shape: { m: 4096, n: 256, k: 256 } },
  { name: 'matmul-decoder-nt', shape: { m: 4096, n: 256, k: 256, transB: true } },
  { name: 'matmul-decoder-tn', shape: { m: 256, n: 256, k: 4096, transA: true } },
];

async function ortGflops(shape: MatmulShape): Promise<number> {
  const { m, n, k } = shape;
  // Plain MatMul (transposes as explicit Transpose nodes would time the copy too, so the baseline
  // is always the NN product of the same size: what MLAS can do on these cores).
  const session = await ort.InferenceSession.create(
    encodeOnnxModel({
      nodes: [{ opType: 'MatMul', inputs: ['A', 'B'], outputs: ['C'] }],
      inputs: [
        { name: 'A', dims: [m, k] },
        { name: 'B', dims: [k, n] },
      ],
      outputs: [{ name: 'C', dims: [m, n] }],
    }),
    { intraOpNumThreads: availableParallelism(), interOpNumThreads: 1, graphOptimizationLevel: 'all' },
  );
  const feeds = {
    A: new ort.Tensor('float32', seededFloats(1, m * k, 0.5), [m, k]),
    B: new ort.Tensor('float32', seededFloats(2, k * n, 0.5), [k, n]),
  };
  const seconds = await timeAsync(() => session.run(feeds), 20, 3);
  await session.release();
  return flops(shape) / seconds / 1e9;
}

function referenceGflops(shape: MatmulShape): number {
  const a = seededFloats(1, shape.m * shape.k, 0.5);
  const b = seededFloats(2, shape.k * shape.n, 0.5);
  const runs = flops(shape) > 1e9 ? 1 : 3;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    matmulReference(a, b, shape);
    samples.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return flops(shape) / median(samples) / 1e9;
}

const gpu = await requestGpuDevice();
const adapter = describeAdapter(gpu.adapter);
process.stdout.write(`adapter: ${adapter}\nORT CPU threads: ${availableParallelism()}\n`);
const unit = (what: string): string =>
  `GFLOP/s (higher is better); ${what}; baseline: ONNX Runtime CPU MatMul (NN, same size, same run, ${availableParallelism()} threads)`;

const entries: BenchEntry[] = [];
try {
  for (const { name, shape } of SIZES) {
    const label = `${shape.m}×${shape.n}×${shape.k}${shape.transA ? ' TN' : shape.transB ? ' NT' : ' NN'}`;
    // GPU first: ORT's intra-op threads keep spinning for a while after a run, stealing the cores
    // that lavapipe's threads need.
    const gpuRate = await gpuGflops(gpu, shape);
    const ortRate = await ortGflops(shape);
    process.stdout.write(
      `${label.padEnd(22)} webgpu ${gpuRate.toFixed(2)} GFLOP/s (${matmulUsesVec4(shape) ? 'vec4' : 'scalar'})  ort-cpu ${ortRate.toFixed(1)} GFLOP/s\n`,
    );
    entries.push(compared(`${name}-webgpu`, gpuRate, ortRate, unit(`WGSL matmul ${label} on ${adapter}`)));
    if (!shape.transA && !shape.transB) {
      const refRate = referenceGflops(shape);
      process.stdout.write(`${label.padEnd(22)} reference ${refRate.toFixed(3)} GFLOP/s\n`);
      entries.push(
        compared(`${name}-reference`, refRate, ortRate, unit(`plain-loop CPU reference (f64 accumulation) ${label}`)),
      );
      entries.push(
        standalone(
          `${name}-ort-cpu`,
          ortRate,
          `GFLOP/s (higher is better); ONNX Runtime CPU MatMul ${label}, ${availableParallelism()} threads`,
        ),
      );
    }
  }
} finally {
  gpu.destroy();
}
writeResults('kernels', entries);
