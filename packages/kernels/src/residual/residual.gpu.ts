/**
 * Residual add on WebGPU: y = a + b (y may alias neither input), its in-place form a += b (the
 * backward's branch sums, over binding windows so vocabulary-sized gradients work), and the backward of
 * y = a + b, a copy of dy. One shader, two entry points (residual.wgsl).
 */
import { TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import type { PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { bindingWindows } from '../gpu/windows.js';
import {
  type KernelPlan,
  WORKGROUP_1D,
  grid1d,
  planDispatch,
  requireSize,
  sequence,
  submitInto,
  submitPlans,
} from '../kernel-common/plan.js';
import source from './residual.wgsl';

/** The WGSL source of the residual-add kernels (`main`: y = a + b; `add_into`: y += b). */
export const RESIDUAL_WGSL: string = source;
/** Field order of the shader's `Params` uniform struct. */
export const RESIDUAL_PARAMS = ['n', 'pad0', 'pad1', 'pad2'] as const;

/** Pipeline spec of the residual add (`main`) or its in-place form (`add_into`). */
function residualSpec(entryPoint: 'main' | 'add_into' = 'main'): PipelineSpec {
  return { id: 'residual', code: source, entryPoint, constants: { WG: WORKGROUP_1D } };
}

/** Record y = a + b (y distinct from a and b: WebGPU forbids aliasing writable bindings); call inside `gpu.scoped`. */
export function planResidualAdd(gpu: GpuDevice, a: GpuTensor, b: GpuTensor, y: GpuTensor): KernelPlan {
  const n = a.size;
  requireSize('residual', 'b', b, n, 'same as a');
  requireSize('residual', 'y', y, n, 'same as a');
  return planDispatch(
    gpu,
    residualSpec(),
    [a.buffer, b.buffer, y.buffer],
    RESIDUAL_PARAMS,
    { n, pad0: 0, pad1: 0, pad2: 0 },
    grid1d(gpu, n),
  );
}

/**
 * Record a += b element-wise over a's size (a and b distinct tensors, b at least as large); call inside
 * `gpu.scoped`. One dispatch per binding window of a (the same elements of b), so gradients as large as
 * a vocabulary-sized embedding work too.
 */
export function planAddInto(gpu: GpuDevice, a: GpuTensor, b: GpuTensor): KernelPlan {
  if (b.size < a.size || a.buffer === b.buffer) {
    throw new TensorShapeError(
      `residual add-into: a [${a.shape.join(', ')}] and b [${b.shape.join(', ')}] must be distinct with b at least as large`,
    );
  }
  return sequence(
    bindingWindows(gpu, a, 1).map((w) =>
      planDispatch(
        gpu,
        residualSpec('add_into'),
        [null, { ...w.binding, buffer: b.buffer }, w.binding],
        RESIDUAL_PARAMS,
        { n: w.rows, pad0: 0, pad1: 0, pad2: 0 },
        grid1d(gpu, w.rows),
      ),
    ),
  );
}

/** y = a + b on the GPU, a new tensor of a's shape. */
export function residualAddGpu(gpu: GpuDevice, a: GpuTensor, b: GpuTensor): Promise<GpuTensor> {
  return submitInto(gpu, 'residual', GpuTensor.zeros(gpu, a.shape, 'residual-y'), (y) => planResidualAdd(gpu, a, b, y));
}

/** a += b on the GPU, in place on a. */
export async function residualAddIntoGpu(gpu: GpuDevice, a: GpuTensor, b: GpuTensor): Promise<void> {
  await submitPlans(gpu, 'residual add-into', () => planAddInto(gpu, a, b));
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
