/**
 * Global gradient L2 norm on WebGPU (two-stage, deterministic: strided partial sums per buffer, then one
 * final sum) and in-place scaling for clipping, with PyTorch's clip_grad_norm_ coefficient.
 */
import type { GpuDevice } from '../device/gpu-device.js';
import { KernelOptionError, NonFiniteGradientError } from '../errors.js';
import type { PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { BufferUsage } from '../gpu/usage.js';
import { bindingWindows, type TensorWindow } from '../gpu/windows.js';
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
import { CLIP_NORM_EPS } from './grad-norm.shared.js';
import source from './grad-norm.wgsl';

/** The WGSL source of the grad-norm kernels (`partial`, `finish`, `scale`). */
export const GRAD_NORM_WGSL: string = source;
/** Field order of the shader's `Params` uniform struct. */
export const GRAD_NORM_PARAMS = ['n', 'parts', 'offset', 'scale'] as const;

/** Smallest number of elements each stage-1 invocation sums. */
const MIN_CHUNK = 256;
/** Target upper bound on the number of partial sums (the sequential stage 2 reads them all). */
const MAX_PARTIALS = 16384;

/** Pipeline spec of an entry point. */
function gradNormSpec(entryPoint: 'partial' | 'finish' | 'scale'): PipelineSpec {
  return { id: 'grad-norm', code: source, entryPoint, constants: entryPoint === 'finish' ? {} : { WG: WORKGROUP_1D } };
}

/** Stage-1 layout: elements per invocation and the number of partial sums of each buffer. */
export function gradNormLayout(sizes: readonly number[]): { chunk: number; parts: number[]; total: number } {
  const n = sizes.reduce((a, b) => a + b, 0);
  const chunk = Math.max(MIN_CHUNK, Math.ceil(n / MAX_PARTIALS));
  const parts = sizes.map((s) => Math.ceil(s / chunk));
  return { chunk, parts, total: parts.reduce((a, b) => a + b, 0) };
}

/** Every element window of `grads` that fits one binding, in order (a tensor larger than a binding gives several). */
function gradWindows(gpu: GpuDevice, grads: readonly GpuTensor[]): TensorWindow[] {
  return grads.flatMap((g) => bindingWindows(gpu, g, 1));
}

/**
 * Record out[0] = sqrt(Σ over `grads` of g²); `out` has one element. Call inside `gpu.scoped`. Each
 * binding window of each tensor is one stage-1 dispatch, with its own partial sums.
 */
function planGradNorm(gpu: GpuDevice, grads: readonly GpuTensor[], out: GpuTensor): KernelPlan {
  requireSize('grad-norm', 'out', out, 1, '[1]');
  const windows = gradWindows(gpu, grads);
  const layout = gradNormLayout(windows.map((w) => w.rows));
  const partials = gpu.device.createBuffer({
    label: 'grad-norm-partials',
    size: Math.max(16, layout.total * 4),
    usage: BufferUsage.STORAGE,
  });
  const plans: KernelPlan[] = [];
  let offset = 0;
  windows.forEach((w, k) => {
    const parts = layout.parts[k]!;
    if (parts > 0) {
      plans.push(
        planDispatch(
          gpu,
          gradNormSpec('partial'),
          [w.binding, partials, null],
          GRAD_NORM_PARAMS,
          { n: w.rows, parts, offset, scale: 0 },
          grid1d(gpu, parts),
        ),
      );
    }
    offset += parts;
  });
  plans.push(
    planDispatch(
      gpu,
      gradNormSpec('finish'),
      [null, partials, out.buffer],
      GRAD_NORM_PARAMS,
      { n: layout.total, parts: 0, offset: 0, scale: 0 },
      [1, 1],
      [partials],
    ),
  );
  return sequence(plans);
}

/** Record g ← g·scale for every tensor of `grads`; call inside `gpu.scoped`. */
export function planGradScale(gpu: GpuDevice, grads: readonly GpuTensor[], scale: number): KernelPlan {
  const bits = f32Bits(scale);
  return sequence(
    gradWindows(gpu, grads).map((w) =>
      planDispatch(
        gpu,
        gradNormSpec('scale'),
        [w.binding, null, null],
        GRAD_NORM_PARAMS,
        { n: w.rows, parts: 0, offset: 0, scale: bits },
        grid1d(gpu, w.rows),
      ),
    ),
  );
}

/** The global L2 norm of `grads` computed on the GPU (f32 accumulation), read back as a number. */
export async function gradNormGpu(gpu: GpuDevice, grads: readonly GpuTensor[]): Promise<number> {
  const out = GpuTensor.zeros(gpu, [1], 'grad-norm-out');
  try {
    await submitPlans(gpu, 'grad-norm', () => planGradNorm(gpu, grads, out));
    return (await out.read())[0]!;
  } finally {
    out.dispose();
  }
}

/**
 * PyTorch's clip_grad_norm_ on the GPU: scale = min(1, maxNorm / (norm + 1e-6)) computed in f64 from
 * the GPU norm, applied in place only when < 1. A non-finite norm throws (nothing is scaled).
 */
export async function clipGradNormGpu(
  gpu: GpuDevice,
  grads: readonly GpuTensor[],
  maxNorm: number,
): Promise<{ norm: number; scale: number }> {
  if (!(Number.isFinite(maxNorm) && maxNorm > 0)) {
    throw new KernelOptionError(`grad-norm: maxNorm must be finite and > 0, got ${maxNorm}`);
  }
  const norm = await gradNormGpu(gpu, grads);
  if (!Number.isFinite(norm)) {
    throw new NonFiniteGradientError(
      `grad-norm: gradient norm is ${norm} (non-finite gradient or f32 overflow); gradients left unscaled`,
    );
  }
  const scale = Math.min(1, maxNorm / (norm + CLIP_NORM_EPS));
  if (scale < 1) await submitPlans(gpu, 'grad-norm scale', () => planGradScale(gpu, grads, scale));
  return { norm, scale };
}
