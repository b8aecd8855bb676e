/**
 * Shared plumbing of the element-wise and row kernels (rmsnorm, swiglu, residual, embedding, adamw,
 * grad-norm): a recorded-ready dispatch ("plan"), one-call submission inside error scopes, 1-D grids
 * folded into 2-D when they exceed one dimension's workgroup limit, f32 values packed as u32 uniform
 * bits, and u32 storage buffers for ids. Kept here (not in src/gpu) so src/gpu stays untouched.
 */
import { TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import { pipelineCacheOf, type PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { createUniformBuffer, packU32Uniforms } from '../gpu/uniforms.js';
import { BufferUsage } from '../gpu/usage.js';

/** A recorded-ready kernel dispatch: encode it into a compute pass any number of times, then dispose. */
export interface KernelPlan {
  /** Record the dispatch(es) into a compute pass. */
  encode(pass: GPUComputePassEncoder): void;
  /** Free the plan's own buffers (uniforms, index buffers), never the caller's tensors. */
  dispose(): void;
}

/** Invocations per workgroup of the 1-D kernels (eight of llvmpipe's 8-wide subgroups). */
export const WORKGROUP_1D = 64;

/** Workgroup counts [x, y] covering `invocations` in groups of `wg`, folding into y past the x limit. */
export function grid1d(gpu: GpuDevice, invocations: number, wg = WORKGROUP_1D): [number, number] {
  const groups = Math.ceil(invocations / wg);
  const maxX = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (groups <= maxX) return [groups, 1];
  const y = Math.ceil(groups / maxX);
  if (y > maxX) throw new TensorShapeError(`${invocations} invocations exceed the device's dispatch limits`);
  return [maxX, y];
}

/** The bits of `value` rounded to f32, as a u32 (the shader reads it back with `bitcast<f32>`). */
export function f32Bits(value: number): number {
  const f = new Float32Array([value]);
  return new Uint32Array(f.buffer)[0]!;
}

/** A new STORAGE buffer holding u32 `data` (at least 16 bytes; zero padded). Caller destroys it. */
export function createU32StorageBuffer(gpu: GpuDevice, data: Uint32Array, label: string): GPUBuffer {
  const bytes = Math.max(16, Math.ceil((data.length * 4) / 16) * 16);
  const buffer = gpu.device.createBuffer({ label, size: bytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
  if (data.length > 0) gpu.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

/**
 * One dispatch of `spec` with storage `buffers` at bindings 0…n−1 (a whole buffer or a window
 * `{ buffer, offset, size }`; null: a binding the entry point does not use, left out of its auto
 * layout) and the uniform block at binding n.
 */
export function planDispatch(
  gpu: GpuDevice,
  spec: PipelineSpec,
  buffers: readonly (GPUBuffer | GPUBufferBinding | null)[],
  fields: readonly string[],
  values: Readonly<Record<string, number>>,
  groups: readonly [number, number, number?],
  owned: readonly GPUBuffer[] = [],
): KernelPlan {
  const pipeline = pipelineCacheOf(gpu).get(spec);
  const uniforms = createUniformBuffer(gpu, packU32Uniforms(fields, values), `${spec.id}-params`);
  const bindGroup = gpu.device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [...buffers, uniforms].flatMap((b, binding) =>
      b ? [{ binding, resource: 'buffer' in b ? b : { buffer: b } }] : [],
    ),
  });
  const [x, y, z = 1] = groups;
  return {
    encode(pass) {
      if (x === 0 || y === 0 || z === 0) return;
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y, z);
    },
    dispose() {
      uniforms.destroy();
      for (const b of owned) b.destroy();
    },
  };
}

/** Several plans recorded in order into one pass (WebGPU orders dispatches of a pass). */
export function sequence(plans: readonly KernelPlan[]): KernelPlan {
  return {
    encode(pass) {
      for (const p of plans) p.encode(pass);
    },
    dispose() {
      for (const p of plans) p.dispose();
    },
  };
}

/** Build, encode and submit plans in one pass inside `gpu.scoped(kernel)`, then dispose them. */
export async function submitPlans(gpu: GpuDevice, kernel: string, build: () => KernelPlan): Promise<void> {
  await gpu.scoped(kernel, () => {
    const plan = build();
    try {
      const encoder = gpu.device.createCommandEncoder({ label: kernel });
      const pass = encoder.beginComputePass({ label: kernel });
      plan.encode(pass);
      pass.end();
      gpu.device.queue.submit([encoder.finish()]);
    } finally {
      // Destroying after submit is allowed: WebGPU frees the buffers once the work is done.
      plan.dispose();
    }
  });
}

/**
 * Submit the plan `build` records into `outputs` (tensors the caller just created for the result) and
 * return them; if building or submitting throws, the outputs are disposed first. The one-shot `…Gpu`
 * forms of the kernels are this around their plans.
 */
export async function submitInto<T extends GpuTensor | Readonly<Record<string, GpuTensor>>>(
  gpu: GpuDevice,
  kernel: string,
  outputs: T,
  build: (outputs: T) => KernelPlan,
): Promise<T> {
  try {
    await submitPlans(gpu, kernel, () => build(outputs));
  } catch (error) {
    for (const t of outputs instanceof GpuTensor ? [outputs] : Object.values(outputs)) t.dispose();
    throw error;
  }
  return outputs;
}

/** Throw a TensorShapeError naming `name` unless `tensor` has exactly `size` elements. */
export function requireSize(kernel: string, name: string, tensor: GpuTensor, size: number, layout: string): void {
  if (tensor.size !== size) {
    throw new TensorShapeError(
      `${kernel}: ${name} has shape [${tensor.shape.join(', ')}] (${tensor.size} elements); expected ${size} (${layout})`,
    );
  }
}

/** Largest |actual − expected| / tol over elements (NaN counts as worst); ≤ 1 passes. For tests. */
export function worstRatio(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: ArrayLike<number>,
): { index: number; ratio: number } {
  let index = -1;
  let ratio = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    // Equal values (including equal infinities) pass with ratio 0; NaN only matches NaN.
    const r = a === e || (Number.isNaN(a) && Number.isNaN(e)) ? 0 : Math.abs(a - e) / tol[i]!;
    if (!(r <= ratio)) {
      ratio = r;
      index = i;
    }
  }
  return { index, ratio };
}

/** Throw with the worst element unless every element is within tolerance (env RLVR_TOL_LOG=1 logs each worst ratio). For tests. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: ArrayLike<number>,
  what: string,
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  }
  const { index, ratio } = worstRatio(actual, expected, tol);
  if (process.env.RLVR_TOL_LOG) process.stderr.write(`TOL ${what}: worst ${ratio.toExponential(2)}\n`);
  if (!(ratio <= 1)) {
    throw new Error(
      `${what}: element ${index} is ${actual[index]}, expected ${expected[index]} ± ${tol[index]} (${ratio.toFixed(2)}× the tolerance)`,
    );
  }
}

/** Unit roundoff of f32, 2⁻²⁴. */
export const F32_U = 2 ** -24;
