/**
 * GPU matmul timing shared by the benchmark and the device check: R dispatches in one submit, then
 * `onSubmittedWorkDone`, median of five submits of ≈ 0.3 s each (Dawn's per-submit overhead is ~50 µs).
 */
import { median } from '../../../tools/bench/harness.js';
import type { GpuDevice } from '../src/device/index.js';
import { GpuTensor } from '../src/gpu/index.js';
import { planMatmul } from '../src/matmul/matmul.gpu.js';
import { type MatmulShape } from '../src/matmul/matmul.shared.js';
import { seededFloats } from '@rlvr/core';

/** Floating-point operations of one product. */
export const flops = (s: MatmulShape): number => 2 * s.m * s.n * s.k * (s.batch ?? 1);

/** Median seconds of `fn` over `runs` calls after `warmup` calls (async: GPU and ORT return promises). */
export async function timeAsync(fn: () => Promise<unknown>, runs: number, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(samples);
}

/**
 * Median seconds of each of `fns` over `runs` rounds, each round calling every fn once in turn (after
 * `warmup` such rounds), so that on a shared machine a burst of load hits all of them alike.
 */
export async function timeInterleaved(
  fns: readonly (() => Promise<unknown>)[],
  runs: number,
  warmup = 2,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn();
  const samples = fns.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    for (const [k, fn] of fns.entries()) {
      const start = process.hrtime.bigint();
      await fn();
      samples[k]!.push(Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
  return samples.map((s) => median(s));
}

/** GFLOP/s of the WGSL matmul at `shape` on `gpu`. */
export async function gpuGflops(gpu: GpuDevice, shape: MatmulShape): Promise<number> {
  const lengthA = shape.m * shape.k;
  const lengthB = shape.k * shape.n;
  const a = GpuTensor.fromArray(gpu, seededFloats(1, lengthA, 0.5), [lengthA], 'A');
  const b = GpuTensor.fromArray(gpu, seededFloats(2, lengthB, 0.5), [lengthB], 'B');
  const c = GpuTensor.zeros(gpu, [shape.m * shape.n], 'C');
  const plan = await gpu.scoped('matmul', () => planMatmul(gpu, a, b, c, shape));
  let expectedMs = 0;
  const submit = async (reps: number): Promise<void> => {
    const encoder = gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let i = 0; i < reps; i++) plan.encode(pass);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
    // Sleep through most of the expected time instead of letting dawn.node spin a core lavapipe needs.
    await gpu.idle(expectedMs);
  };
  // Size each submit to ≈ 0.3 s so that submit/wait overhead is negligible, then calibrate the nap on
  // a busy-waited submit of that size (a nap longer than the work would inflate the time), with margin.
  const once = await timeAsync(() => submit(1), 1, 1);
  const reps = Math.max(1, Math.min(500, Math.round(0.3 / once)));
  expectedMs = 0.85 * 1000 * (await timeAsync(() => submit(reps), 1, 0));
  const seconds = await timeAsync(() => submit(reps), 5, 0);
  plan.dispose();
  for (const t of [a, b, c]) t.dispose();
  return (flops(shape) * reps) / seconds / 1e9;
}
