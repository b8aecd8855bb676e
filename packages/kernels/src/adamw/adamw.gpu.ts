/** AdamW on WebGPU: one element-wise kernel updating a flat parameter and its moments in place. */
import { TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import { KernelOptionError } from '../errors.js';
import type { PipelineSpec } from '../gpu/pipeline-cache.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { bindingWindows } from '../gpu/windows.js';
import {
  type KernelPlan,
  WORKGROUP_1D,
  f32Bits,
  grid1d,
  planDispatch,
  requireSize,
  sequence,
  submitPlans,
} from '../kernel-common/plan.js';
import type { AdamWOptions } from './adamw.shared.js';
import source from './adamw.wgsl';

/** The WGSL source of the AdamW kernel. */
export const ADAMW_WGSL: string = source;
/** Field order of the shader's `Params` uniform struct. */
export const ADAMW_PARAMS = [
  'n',
  'decay',
  'beta1',
  'omb1',
  'beta2',
  'omb2',
  'stepSize',
  'bc2Sqrt',
  'eps',
  'pad0',
  'pad1',
  'pad2',
] as const;

/** Pipeline spec of the AdamW kernel. */
function adamwSpec(): PipelineSpec {
  return { id: 'adamw', code: source, constants: { WG: WORKGROUP_1D } };
}

/** The step's scalars in f64, as the shader receives them (rounded to f32): PyTorch's formulas. */
export function adamwScalars(step: number, o: AdamWOptions): { decay: number; stepSize: number; bc2Sqrt: number } {
  if (!Number.isInteger(step) || step < 1) {
    throw new KernelOptionError(`adamw: step must be an integer ≥ 1, got ${step}`);
  }
  for (const [name, value] of Object.entries(o)) {
    if (!Number.isFinite(value)) throw new KernelOptionError(`adamw: ${name} must be finite, got ${value}`);
  }
  if (!(o.beta1 >= 0 && o.beta1 < 1)) throw new KernelOptionError(`adamw: beta1 must be in [0, 1), got ${o.beta1}`);
  if (!(o.beta2 >= 0 && o.beta2 < 1)) throw new KernelOptionError(`adamw: beta2 must be in [0, 1), got ${o.beta2}`);
  return {
    decay: 1 - o.lr * o.weightDecay,
    stepSize: o.lr / (1 - Math.pow(o.beta1, step)),
    bc2Sqrt: Math.sqrt(1 - Math.pow(o.beta2, step)),
  };
}

/**
 * Record one AdamW step (t = `step` ≥ 1) updating param, m, v in place; call inside `gpu.scoped`.
 * Tensors larger than one binding are updated window by window (the same element windows of all four).
 */
export function planAdamw(
  gpu: GpuDevice,
  param: GpuTensor,
  grad: GpuTensor,
  m: GpuTensor,
  v: GpuTensor,
  step: number,
  o: AdamWOptions,
): KernelPlan {
  const n = param.size;
  for (const [name, t] of [
    ['grad', grad],
    ['m', m],
    ['v', v],
  ] as const) {
    requireSize('adamw', name, t, n, 'same as param');
  }
  if (new Set([param.buffer, grad.buffer, m.buffer, v.buffer]).size !== 4) {
    throw new TensorShapeError('adamw: param, grad, m and v must be four distinct tensors');
  }
  const s = adamwScalars(step, o);
  const tensors = [param, grad, m, v];
  return sequence(
    bindingWindows(gpu, param, 1).map((w) =>
      planDispatch(
        gpu,
        adamwSpec(),
        tensors.map((t) => ({ ...w.binding, buffer: t.buffer })),
        ADAMW_PARAMS,
        adamwUniforms(w.rows, s, o),
        grid1d(gpu, w.rows),
      ),
    ),
  );
}

/** The uniform values of one dispatch over `n` elements. */
function adamwUniforms(
  n: number,
  s: ReturnType<typeof adamwScalars>,
  o: AdamWOptions,
): Record<(typeof ADAMW_PARAMS)[number], number> {
  return {
    n,
    decay: f32Bits(s.decay),
    beta1: f32Bits(o.beta1),
    omb1: f32Bits(1 - o.beta1),
    beta2: f32Bits(o.beta2),
    omb2: f32Bits(1 - o.beta2),
    stepSize: f32Bits(s.stepSize),
    bc2Sqrt: f32Bits(s.bc2Sqrt),
    eps: f32Bits(o.eps),
    pad0: 0,
    pad1: 0,
    pad2: 0,
  };
}

/** One AdamW step on the GPU, in place on param, m and v (m and v start as zeros at step 1). */
export async function adamwStepGpu(
  gpu: GpuDevice,
  param: GpuTensor,
  grad: GpuTensor,
  m: GpuTensor,
  v: GpuTensor,
  step: number,
  o: AdamWOptions,
): Promise<void> {
  await submitPlans(gpu, 'adamw', () => planAdamw(gpu, param, grad, m, v, step, o));
}
