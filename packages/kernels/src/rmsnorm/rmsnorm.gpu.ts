/**
 * RMSNorm on WebGPU: forward (y and the per-row rstd saved for backward) and backward (dx, and dweight
 * as a deterministic column reduction). `plan*` record into a caller's pass; the async forms submit.
 */
import { TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import type { PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import {
  type KernelPlan,
  WORKGROUP_1D,
  f32Bits,
  grid1d,
  planDispatch,
  requireSize,
  sequence,
  submitInto,
} from '../kernel-common/plan.js';
import type { RmsNormDims } from './rmsnorm.shared.js';
import forwardSource from './rmsnorm.wgsl';
import backwardSource from './rmsnorm-backward.wgsl';

/** The WGSL source of the forward kernel. */
export const RMSNORM_WGSL: string = forwardSource;
/** The WGSL source of the backward kernels (`backward_dx`, `backward_dw`). */
export const RMSNORM_BACKWARD_WGSL: string = backwardSource;
/** Field order of the forward shader's `Params` uniform struct. */
export const RMSNORM_PARAMS = ['rows', 'hidden', 'eps', 'pad'] as const;
/** Field order of the backward shader's `Params` uniform struct. */
export const RMSNORM_BACKWARD_PARAMS = ['rows', 'hidden', 'pad0', 'pad1'] as const;

function checkDims(d: RmsNormDims): void {
  if (!Number.isInteger(d.rows) || d.rows < 0 || !Number.isInteger(d.hidden) || d.hidden < 1) {
    throw new TensorShapeError(`rmsnorm: invalid dims rows=${d.rows} hidden=${d.hidden}`);
  }
}

/** Pipeline spec of the forward kernel. */
function rmsNormForwardSpec(): PipelineSpec {
  return { id: 'rmsnorm', code: forwardSource, entryPoint: 'forward', constants: { WG: WORKGROUP_1D } };
}

/** Pipeline spec of a backward entry point (`backward_dx` or `backward_dw`). */
function rmsNormBackwardSpec(entryPoint: 'backward_dx' | 'backward_dw', accumulate = false): PipelineSpec {
  const constants: Record<string, number | boolean> = { WG: WORKGROUP_1D };
  if (entryPoint === 'backward_dw') constants.ACCUMULATE = accumulate;
  return { id: 'rmsnorm-backward', code: backwardSource, entryPoint, constants };
}

/** Record y = rmsnorm(x)·weight and rstd [rows] into caller tensors; call inside `gpu.scoped`. */
export function planRmsNormForward(
  gpu: GpuDevice,
  x: GpuTensor,
  weight: GpuTensor,
  y: GpuTensor,
  rstd: GpuTensor,
  d: RmsNormDims,
): KernelPlan {
  checkDims(d);
  requireSize('rmsnorm', 'x', x, d.rows * d.hidden, '[rows, hidden]');
  requireSize('rmsnorm', 'weight', weight, d.hidden, '[hidden]');
  requireSize('rmsnorm', 'y', y, d.rows * d.hidden, '[rows, hidden]');
  requireSize('rmsnorm', 'rstd', rstd, d.rows, '[rows]');
  const [gx, gy] = grid1d(gpu, d.rows);
  return planDispatch(
    gpu,
    rmsNormForwardSpec(),
    [x.buffer, weight.buffer, y.buffer, rstd.buffer],
    RMSNORM_PARAMS,
    { rows: d.rows, hidden: d.hidden, eps: f32Bits(d.eps), pad: 0 },
    [gx, gy],
  );
}

/**
 * Record dx and dweight from dy, x, weight and the forward's rstd; with `accumulate`, dweight is
 * added to the tensor's contents. Call inside `gpu.scoped`.
 */
export function planRmsNormBackward(
  gpu: GpuDevice,
  dy: GpuTensor,
  x: GpuTensor,
  weight: GpuTensor,
  rstd: GpuTensor,
  dx: GpuTensor,
  dweight: GpuTensor,
  d: RmsNormDims,
  accumulate = false,
): KernelPlan {
  checkDims(d);
  const n = d.rows * d.hidden;
  requireSize('rmsnorm backward', 'dy', dy, n, '[rows, hidden]');
  requireSize('rmsnorm backward', 'x', x, n, '[rows, hidden]');
  requireSize('rmsnorm backward', 'weight', weight, d.hidden, '[hidden]');
  requireSize('rmsnorm backward', 'rstd', rstd, d.rows, '[rows]');
  requireSize('rmsnorm backward', 'dx', dx, n, '[rows, hidden]');
  requireSize('rmsnorm backward', 'dweight', dweight, d.hidden, '[hidden]');
  const values = { rows: d.rows, hidden: d.hidden, pad0: 0, pad1: 0 };
  const [ax, ay] = grid1d(gpu, d.rows);
  const [bx, by] = grid1d(gpu, d.hidden);
  return sequence([
    planDispatch(
      gpu,
      rmsNormBackwardSpec('backward_dx'),
      [dy.buffer, x.buffer, weight.buffer, rstd.buffer, dx.buffer],
      RMSNORM_BACKWARD_PARAMS,
      values,
      [ax, ay],
    ),
    planDispatch(
      gpu,
      rmsNormBackwardSpec('backward_dw', accumulate),
      [dy.buffer, x.buffer, null, rstd.buffer, dweight.buffer],
      RMSNORM_BACKWARD_PARAMS,
      values,
      [bx, by],
    ),
  ]);
}

/** RMSNorm forward on the GPU: new tensors y (shape of x) and rstd [rows]. */
export function rmsNormForwardGpu(
  gpu: GpuDevice,
  x: GpuTensor,
  weight: GpuTensor,
  d: RmsNormDims,
): Promise<{ y: GpuTensor; rstd: GpuTensor }> {
  const outputs = {
    y: GpuTensor.zeros(gpu, x.shape, 'rmsnorm-y'),
    rstd: GpuTensor.zeros(gpu, [d.rows], 'rmsnorm-rstd'),
  };
  return submitInto(gpu, 'rmsnorm', outputs, ({ y, rstd }) => planRmsNormForward(gpu, x, weight, y, rstd, d));
}

/** RMSNorm backward on the GPU: new tensors dx (shape of x) and dweight [hidden]. */
export function rmsNormBackwardGpu(
  gpu: GpuDevice,
  dy: GpuTensor,
  x: GpuTensor,
  weight: GpuTensor,
  rstd: GpuTensor,
  d: RmsNormDims,
): Promise<{ dx: GpuTensor; dweight: GpuTensor }> {
  const outputs = {
    dx: GpuTensor.zeros(gpu, x.shape, 'rmsnorm-dx'),
    dweight: GpuTensor.zeros(gpu, [d.hidden], 'rmsnorm-dweight'),
  };
  return submitInto(gpu, 'rmsnorm backward', outputs, ({ dx, dweight }) =>
    planRmsNormBackward(gpu, dy, x, weight, rstd, dx, dweight, d),
  );
}
