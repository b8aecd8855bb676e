/**
 * The bias of the decoder's Linear layers on WebGPU (the matmul kernel has no epilogue): y += bias over
 * the rows of y in place, and the bias gradient db = column sums of dy. One shader, two entry points
 * (bias.wgsl). `plan*` record into a caller's pass; the async forms submit.
 */
import type { GpuDevice } from '../device/gpu-device.js';
import type { PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import {
  type KernelPlan,
  WORKGROUP_1D,
  grid1d,
  planDispatch,
  requireSize,
  submitInto,
  submitPlans,
} from '../kernel-common/plan.js';
import source from './bias.wgsl';

/** The WGSL source of the bias kernels (`forward`: y += bias per row; `grad`: column sums). */
export const BIAS_WGSL: string = source;

/** Field order of the shader's `Params` uniform struct (checked against the WGSL by a test). */
export const BIAS_PARAMS = ['rows', 'n', 'pad0', 'pad1'] as const;

/** Pipeline spec of an entry point. */
function biasSpec(entryPoint: 'forward' | 'grad'): PipelineSpec {
  return { id: 'bias', code: source, entryPoint, constants: { WG: WORKGROUP_1D } };
}

/** Record y [rows, n] += bias [n] (in place; y may be larger, its first rows·n elements are used); call inside `gpu.scoped`. */
export function planBiasAdd(gpu: GpuDevice, y: GpuTensor, bias: GpuTensor, rows: number, n: number): KernelPlan {
  requireSize('bias add', 'bias', bias, n, '[n]');
  if (y.size < rows * n) requireSize('bias add', 'y', y, rows * n, '[rows, n]');
  return planDispatch(
    gpu,
    biasSpec('forward'),
    [y.buffer, bias.buffer, null, null],
    BIAS_PARAMS,
    { rows, n, pad0: 0, pad1: 0 },
    grid1d(gpu, rows * n),
  );
}

/** Record db [n] = column sums of dy [rows, n] (overwrites db); call inside `gpu.scoped`. */
export function planBiasGrad(gpu: GpuDevice, dy: GpuTensor, db: GpuTensor, rows: number, n: number): KernelPlan {
  requireSize('bias grad', 'db', db, n, '[n]');
  if (dy.size < rows * n) requireSize('bias grad', 'dy', dy, rows * n, '[rows, n]');
  return planDispatch(
    gpu,
    biasSpec('grad'),
    [null, null, dy.buffer, db.buffer],
    BIAS_PARAMS,
    { rows, n, pad0: 0, pad1: 0 },
    grid1d(gpu, n),
  );
}

/** y += bias on the GPU, in place on y [rows, n]. */
export async function biasAddGpu(
  gpu: GpuDevice,
  y: GpuTensor,
  bias: GpuTensor,
  rows: number,
  n: number,
): Promise<void> {
  await submitPlans(gpu, 'bias add', () => planBiasAdd(gpu, y, bias, rows, n));
}

/** The bias gradient on the GPU: a new tensor db [n] of the column sums of dy [rows, n]. */
export function biasGradGpu(gpu: GpuDevice, dy: GpuTensor, rows: number, n: number): Promise<GpuTensor> {
  return submitInto(gpu, 'bias grad', GpuTensor.zeros(gpu, [n], 'bias-db'), (db) => planBiasGrad(gpu, dy, db, rows, n));
}
