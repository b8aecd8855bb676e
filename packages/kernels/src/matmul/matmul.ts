/**
 * matmul on WebGPU: C = op(A) · op(B), op ∈ {identity, transpose}, optionally batched, any M, N, K.
 * `matmul()` is the one-call form (own submit, error scopes); `planMatmul()` records into a caller's
 * compute pass, for many dispatches per submit.
 */
import { TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import { pipelineCacheOf, type PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { createUniformBuffer, packU32Uniforms } from '../gpu/uniforms.js';
import source from './matmul.wgsl';
import { matmulInputLengths, matmulStrides, type MatmulShape } from './matmul.reference.js';

/** The WGSL source of the matmul kernel. */
export const MATMUL_WGSL: string = source;

/** Field order of the shader's `Params` uniform struct (checked against the WGSL by a test). */
export const MATMUL_PARAMS = ['M', 'N', 'K', 'batch', 'strideA', 'strideB', 'strideC', 'pad'] as const;

// 8×8 invocations of 4×4 blocks = a 32×32 tile of C per workgroup: 64 lanes fill eight of
// llvmpipe's 8-wide subgroups and is a safe size on every hardware GPU.
const DEFAULT_WORKGROUP: readonly [number, number] = [8, 8];

/** Options of {@link matmul} and {@link planMatmul}. */
export interface MatmulOptions {
  /** A is stored transposed (its last two dims are K×M). */
  transA?: boolean;
  /** B is stored transposed (its last two dims are N×K). */
  transB?: boolean;
  /** Write into this tensor (shape [batch?, M, N]) instead of allocating one. */
  out?: GpuTensor;
  /** Invocations per workgroup as [x, y]; default [8, 8]. A tuning knob for benchmarks. */
  workgroup?: readonly [number, number];
}

/**
 * The product described by two tensors of rank 2 ([rows, cols]) or 3 ([batch, rows, cols]);
 * a rank-2 operand next to a rank-3 one is shared by every batch (stride 0).
 */
export function matmulShapeOf(a: GpuTensor, b: GpuTensor, options: MatmulOptions = {}): MatmulShape {
  const rank = (t: GpuTensor, name: string): void => {
    if (t.shape.length !== 2 && t.shape.length !== 3) {
      throw new TensorShapeError(`matmul: ${name} has shape [${t.shape.join(', ')}]; expected rank 2 or 3`);
    }
  };
  rank(a, 'A');
  rank(b, 'B');
  const last2 = (t: GpuTensor): [number, number] => [t.shape[t.shape.length - 2]!, t.shape[t.shape.length - 1]!];
  const [ar, ac] = last2(a);
  const [br, bc] = last2(b);
  const [m, ka] = options.transA ? [ac, ar] : [ar, ac];
  const [kb, n] = options.transB ? [bc, br] : [br, bc];
  if (ka !== kb) {
    throw new TensorShapeError(
      `matmul: inner dimensions differ: op(A) is ${m}×${ka} (A [${a.shape.join(', ')}]${options.transA ? 'ᵀ' : ''}), op(B) is ${kb}×${n} (B [${b.shape.join(', ')}]${options.transB ? 'ᵀ' : ''})`,
    );
  }
  const batchA = a.shape.length === 3 ? a.shape[0]! : null;
  const batchB = b.shape.length === 3 ? b.shape[0]! : null;
  if (batchA !== null && batchB !== null && batchA !== batchB) {
    throw new TensorShapeError(`matmul: batch sizes differ: A has ${batchA}, B has ${batchB}`);
  }
  return {
    m,
    n,
    k: ka,
    batch: batchA ?? batchB ?? 1,
    transA: Boolean(options.transA),
    transB: Boolean(options.transB),
    strideA: batchA === null ? 0 : m * ka,
    strideB: batchB === null ? 0 : ka * n,
  };
}

/**
 * Whether the vec4 path applies: every vec4 the kernel loads must start at a multiple of 4 floats,
 * which holds when K and the batch strides are multiples of 4, and N too unless B is transposed
 * (its rows are read along N), and M too when A is transposed (its rows are read along M).
 */
export function matmulUsesVec4(shape: MatmulShape): boolean {
  const { strideA, strideB } = matmulStrides(shape);
  const x4 = (v: number): boolean => v % 4 === 0;
  return x4(shape.k) && x4(strideA) && x4(strideB) && (shape.transB || x4(shape.n)) && (!shape.transA || x4(shape.m));
}

/** The pipeline spec (kernel id + override constants) of a product. */
export function matmulPipelineSpec(shape: MatmulShape, workgroup: readonly [number, number] = DEFAULT_WORKGROUP): PipelineSpec {
  return {
    id: 'matmul',
    code: source,
    constants: {
      TRANS_A: Boolean(shape.transA),
      TRANS_B: Boolean(shape.transB),
      VEC4: matmulUsesVec4(shape),
      WG_X: workgroup[0],
      WG_Y: workgroup[1],
    },
  };
}

/** A recorded-ready matmul: bind group and dispatch size; encode it any number of times, then dispose. */
export interface MatmulPlan {
  /** The product it computes. */
  readonly shape: MatmulShape;
  /** The output tensor [batch?, M, N]. */
  readonly out: GpuTensor;
  /** Record the dispatch into a compute pass (pipeline, bind group, workgroups). */
  encode(pass: GPUComputePassEncoder): void;
  /** Free the plan's uniform buffer (not the tensors). */
  dispose(): void;
}

/**
 * Prepare C = op(A) · op(B) with an explicit shape (for strides the tensor shapes cannot express).
 * Pipeline creation errors surface in the caller's error scope: call inside `gpu.scoped`.
 */
export function planMatmul(gpu: GpuDevice, a: GpuTensor, b: GpuTensor, out: GpuTensor, shape: MatmulShape, workgroup?: readonly [number, number]): MatmulPlan {
  const { batch, strideA, strideB, strideC } = matmulStrides(shape);
  const need = matmulInputLengths(shape);
  for (const [name, tensor, length] of [['A', a, need.a], ['B', b, need.b], ['C', out, need.c]] as const) {
    if (tensor.size < length) {
      throw new TensorShapeError(`matmul: ${name} [${tensor.shape.join(', ')}] has ${tensor.size} elements; ${shape.m}×${shape.n}×${shape.k} batch ${batch} needs ${length}`);
    }
  }
  if (batch > gpu.limits.maxComputeWorkgroupsPerDimension) {
    throw new TensorShapeError(`matmul: batch ${batch} exceeds maxComputeWorkgroupsPerDimension ${gpu.limits.maxComputeWorkgroupsPerDimension}`);
  }
  const wg = workgroup ?? DEFAULT_WORKGROUP;
  const empty = shape.m === 0 || shape.n === 0 || batch === 0;
  const pipeline = pipelineCacheOf(gpu).get(matmulPipelineSpec(shape, wg));
  const uniforms = createUniformBuffer(
    gpu,
    packU32Uniforms(MATMUL_PARAMS, { M: shape.m, N: shape.n, K: shape.k, batch, strideA, strideB, strideC, pad: 0 }),
    'matmul-params',
  );
  const bindGroup = gpu.device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: a.buffer } },
      { binding: 1, resource: { buffer: b.buffer } },
      { binding: 2, resource: { buffer: out.buffer } },
      { binding: 3, resource: { buffer: uniforms } },
    ],
  });
  const groupsX = Math.ceil(Math.ceil(shape.n / 4) / wg[0]);
  const groupsY = Math.ceil(Math.ceil(shape.m / 4) / wg[1]);
  return {
    shape,
    out,
    encode(pass) {
      if (empty) return;
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(groupsX, groupsY, batch);
    },
    dispose() {
      uniforms.destroy();
    },
  };
}

/**
 * C = op(A) · op(B) on the GPU. A and B are [rows, cols] or [batch, rows, cols] (a rank-2 operand is
 * shared across the batch); returns [M, N] or [batch, M, N]. Errors name the kernel `matmul`.
 */
export async function matmul(gpu: GpuDevice, a: GpuTensor, b: GpuTensor, options: MatmulOptions = {}): Promise<GpuTensor> {
  const shape = matmulShapeOf(a, b, options);
  const outShape = a.shape.length === 3 || b.shape.length === 3 ? [shape.batch!, shape.m, shape.n] : [shape.m, shape.n];
  if (options.out && options.out.size !== outShape.reduce((x, y) => x * y, 1)) {
    throw new TensorShapeError(`matmul: out has shape [${options.out.shape.join(', ')}]; expected [${outShape.join(', ')}]`);
  }
  const out = options.out ?? GpuTensor.zeros(gpu, outShape, 'matmul-out');
  try {
    await gpu.scoped('matmul', () => {
      const plan = planMatmul(gpu, a, b, out, shape, options.workgroup);
      const encoder = gpu.device.createCommandEncoder({ label: 'matmul' });
      const pass = encoder.beginComputePass();
      plan.encode(pass);
      pass.end();
      gpu.device.queue.submit([encoder.finish()]);
      // Destroying after submit is allowed: WebGPU frees the buffer once the submitted work is done.
      plan.dispose();
    });
  } catch (error) {
    if (!options.out) out.dispose();
    throw error;
  }
  return out;
}
