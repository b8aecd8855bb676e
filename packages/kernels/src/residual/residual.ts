/** Residual add on WebGPU: y = a + b (y may alias neither input); the backward is a copy of dy. */
import type { GpuDevice } from '../device/gpu-device.js';
import type { PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { type KernelPlan, WORKGROUP_1D, grid1d, planDispatch, requireSize, submitPlans } from '../kernel-common/plan.js';
import source from './residual.wgsl';

/** The WGSL source of the residual-add kernel. */
export const RESIDUAL_WGSL: string = source;
/** Field order of the shader's `Params` uniform struct. */
export const RESIDUAL_PARAMS = ['n', 'pad0', 'pad1', 'pad2'] as const;

/** Pipeline spec of the residual-add kernel. */
export function residualSpec(): PipelineSpec {
  return { id: 'residual', code: source, constants: { WG: WORKGROUP_1D } };
}

/** Record y = a + b (y distinct from a and b: WebGPU forbids aliasing writable bindings); call inside `gpu.scoped`. */
export function planResidualAdd(gpu: GpuDevice, a: GpuTensor, b: GpuTensor, y: GpuTensor): KernelPlan {
  const n = a.size;
  requireSize('residual', 'b', b, n, 'same as a');
  requireSize('residual', 'y', y, n, 'same as a');
  return planDispatch(gpu, residualSpec(), [a.buffer, b.buffer, y.buffer], RESIDUAL_PARAMS, { n, pad0: 0, pad1: 0, pad2: 0 }, grid1d(gpu, n));
}

/** y = a + b on the GPU, a new tensor of a's shape. */
export async function residualAddGpu(gpu: GpuDevice, a: GpuTensor, b: GpuTensor): Promise<GpuTensor> {
  const y = GpuTensor.zeros(gpu, a.shape, 'residual-y');
  try {
    await submitPlans(gpu, 'residual', () => planResidualAdd(gpu, a, b, y));
  } catch (error) {
    y.dispose();
    throw error;
  }
  return y;
}

/**
 * Backward of y = a + b: da = db = dy. No kernel: callers normally pass dy on to both branches; this
 * returns two fresh copies (buffer copies, bit-exact) for callers that accumulate into them.
 */
export async function residualAddBackwardGpu(gpu: GpuDevice, dy: GpuTensor): Promise<{ da: GpuTensor; db: GpuTensor }> {
  const da = GpuTensor.zeros(gpu, dy.shape, 'residual-da');
  const db = GpuTensor.zeros(gpu, dy.shape, 'residual-db');
  try {
    await gpu.scoped('residual backward', () => {
      const encoder = gpu.device.createCommandEncoder({ label: 'residual backward' });
      const bytes = dy.size * 4;
      if (bytes > 0) {
        encoder.copyBufferToBuffer(dy.buffer, 0, da.buffer, 0, bytes);
        encoder.copyBufferToBuffer(dy.buffer, 0, db.buffer, 0, bytes);
      }
      gpu.device.queue.submit([encoder.finish()]);
    });
  } catch (error) {
    da.dispose();
    db.dispose();
    throw error;
  }
  return { da, db };
}
