/** SwiGLU gating on WebGPU: h = silu(gate)·up and its backward (dgate, dup), element-wise. */
import type { GpuDevice } from '../device/gpu-device.js';
import type { PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { type KernelPlan, WORKGROUP_1D, grid1d, planDispatch, requireSize, submitInto } from '../kernel-common/plan.js';
import source from './swiglu.wgsl';

/** The WGSL source of the SwiGLU kernels (`forward`, `backward`). */
export const SWIGLU_WGSL: string = source;
/** Field order of the shader's `Params` uniform struct. */
export const SWIGLU_PARAMS = ['n', 'pad0', 'pad1', 'pad2'] as const;

/** Pipeline spec of an entry point. */
function swigluSpec(entryPoint: 'forward' | 'backward'): PipelineSpec {
  return { id: 'swiglu', code: source, entryPoint, constants: { WG: WORKGROUP_1D } };
}

/** Record h = silu(gate)·up into `h` (all of gate's size); call inside `gpu.scoped`. */
export function planSwigluForward(gpu: GpuDevice, gate: GpuTensor, up: GpuTensor, h: GpuTensor): KernelPlan {
  const n = gate.size;
  requireSize('swiglu', 'up', up, n, 'same as gate');
  requireSize('swiglu', 'h', h, n, 'same as gate');
  return planDispatch(
    gpu,
    swigluSpec('forward'),
    [gate.buffer, up.buffer, null, h.buffer, null],
    SWIGLU_PARAMS,
    { n, pad0: 0, pad1: 0, pad2: 0 },
    grid1d(gpu, n),
  );
}

/** Record dgate and dup from dh, gate, up; call inside `gpu.scoped`. */
export function planSwigluBackward(
  gpu: GpuDevice,
  dh: GpuTensor,
  gate: GpuTensor,
  up: GpuTensor,
  dgate: GpuTensor,
  dup: GpuTensor,
): KernelPlan {
  const n = gate.size;
  for (const [name, t] of [
    ['up', up],
    ['dh', dh],
    ['dgate', dgate],
    ['dup', dup],
  ] as const) {
    requireSize('swiglu backward', name, t, n, 'same as gate');
  }
  return planDispatch(
    gpu,
    swigluSpec('backward'),
    [gate.buffer, up.buffer, dh.buffer, dgate.buffer, dup.buffer],
    SWIGLU_PARAMS,
    { n, pad0: 0, pad1: 0, pad2: 0 },
    grid1d(gpu, n),
  );
}

/** h = silu(gate)·up on the GPU, a new tensor of gate's shape. */
export function swigluForwardGpu(gpu: GpuDevice, gate: GpuTensor, up: GpuTensor): Promise<GpuTensor> {
  return submitInto(gpu, 'swiglu', GpuTensor.zeros(gpu, gate.shape, 'swiglu-h'), (h) =>
    planSwigluForward(gpu, gate, up, h),
  );
}

/** SwiGLU backward on the GPU: new tensors dgate and dup of gate's shape. */
export function swigluBackwardGpu(
  gpu: GpuDevice,
  dh: GpuTensor,
  gate: GpuTensor,
  up: GpuTensor,
): Promise<{ dgate: GpuTensor; dup: GpuTensor }> {
  const outputs = {
    dgate: GpuTensor.zeros(gpu, gate.shape, 'swiglu-dgate'),
    dup: GpuTensor.zeros(gpu, gate.shape, 'swiglu-dup'),
  };
  return submitInto(gpu, 'swiglu backward', outputs, ({ dgate, dup }) =>
    planSwigluBackward(gpu, dh, gate, up, dgate, dup),
  );
}
