/**
 * matmul on WebGPU: C = op(A) · op(B), op ∈ {identity, transpose}, optionally batched, any M, N, K.
 * `matmul()` is the one-call form (own submit, error scopes); `planMatmul()` records into a caller's
 * compute pass, for many dispatches per submit. An unbatched product whose operands exceed one storage
 * binding runs as several sub-products over windows of them (`matmul-split.ts`).
 */
import { TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import { pipelineCacheOf, type PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { createUniformBuffer, packU32Uniforms } from '../gpu/uniforms.js';
import { elementWindow } from '../gpu/windows.js';
import { submitPlans } from '../kernel-common/plan.js';
import { matmulBlocks, matmulLeadingDims, matmulTiles } from './matmul-split.js';
import source from './matmul.wgsl';
import { matmulInputLengths, matmulStrides, type MatmulShape } from './matmul.shared.js';

/** The WGSL source of the matmul kernel. */
export const MATMUL_WGSL: string = source;

/** Field order of the shader's `Params` uniform struct (checked against the WGSL by a test). */
export const MATMUL_PARAMS = [
  'M',
  'N',
  'K',
  'batch',
  'strideA',
  'strideB',
  'strideC',
  'ldA',
  'ldB',
  'ldC',
  'offA',
  'offB',
  'offC',
  'accumulate',
  'pad0',
  'pad1',
] as const;

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
function matmulShapeOf(a: GpuTensor, b: GpuTensor, options: MatmulOptions = {}): MatmulShape {
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
  const { ldA, ldB } = matmulLeadingDims(shape);
  return vec4Aligned(shape.k, ldA, ldB, 0, 0, matmulStrides(shape));
}

/** The vec4 condition of a (sub-)product: K, the stored row lengths, window offsets and strides of A and B multiples of 4. */
function vec4Aligned(
  k: number,
  ldA: number,
  ldB: number,
  offA: number,
  offB: number,
  s: { strideA: number; strideB: number },
): boolean {
  return [k, ldA, ldB, offA, offB, s.strideA, s.strideB].every((v) => v % 4 === 0);
}

/** The pipeline spec (kernel id + override constants) of a product (`vec4` overrides the alignment test, for sub-products). */
export function matmulPipelineSpec(
  shape: MatmulShape,
  workgroup: readonly [number, number] = DEFAULT_WORKGROUP,
  vec4 = matmulUsesVec4(shape),
): PipelineSpec {
  return {
    id: 'matmul',
    code: source,
    constants: {
      TRANS_A: Boolean(shape.transA),
      TRANS_B: Boolean(shape.transB),
      VEC4: vec4,
      WG_X: workgroup[0],
      WG_Y: workgroup[1],
    },
  };
}

/** A recorded-ready matmul: bind groups and dispatch sizes; encode it any number of times, then dispose. */
export interface MatmulPlan {
  /** The product it computes. */
  readonly shape: MatmulShape;
  /** The output tensor [batch?, M, N]. */
  readonly out: GpuTensor;
  /** Record the dispatch(es) into a compute pass (pipeline, bind group, workgroups). */
  encode(pass: GPUComputePassEncoder): void;
  /** Free the plan's uniform buffers (not the tensors). */
  dispose(): void;
}

/**
 * Prepare C = op(A) · op(B) with an explicit shape (for strides the tensor shapes cannot express).
 * When an operand exceeds one binding (`gpu.maxBindingBytes`), the product is split into sub-products
 * over windows (unbatched only; a TensorShapeError names the operand otherwise). Pipeline creation
 * errors surface in the caller's error scope: call inside `gpu.scoped`.
 */
export function planMatmul(
  gpu: GpuDevice,
  a: GpuTensor,
  b: GpuTensor,
  out: GpuTensor,
  shape: MatmulShape,
  workgroup?: readonly [number, number],
): MatmulPlan {
  const { batch, strideA, strideB, strideC } = matmulStrides(shape);
  const need = matmulInputLengths(shape);
  for (const [name, tensor, length] of [
    ['A', a, need.a],
    ['B', b, need.b],
    ['C', out, need.c],
  ] as const) {
    if (tensor.size < length) {
      throw new TensorShapeError(
        `matmul: ${name} [${tensor.shape.join(', ')}] has ${tensor.size} elements; ${shape.m}×${shape.n}×${shape.k} batch ${batch} needs ${length}`,
      );
    }
  }
  if (batch > gpu.limits.maxComputeWorkgroupsPerDimension) {
    throw new TensorShapeError(
      `matmul: batch ${batch} exceeds maxComputeWorkgroupsPerDimension ${gpu.limits.maxComputeWorkgroupsPerDimension}`,
    );
  }
  const wg = workgroup ?? DEFAULT_WORKGROUP;
  if (shape.m === 0 || shape.n === 0 || batch === 0) return { shape, out, encode() {}, dispose() {} };
  const { ldA, ldB, ldC } = matmulLeadingDims(shape);
  const align = gpu.limits.minStorageBufferOffsetAlignment;
  const tiles = matmulTiles(shape, matmulBlocks(shape, gpu.maxBindingBytes, align + 16));
  const dispatches: { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; groups: [number, number] }[] = [];
  const uniformBuffers: GPUBuffer[] = [];
  try {
    for (const t of tiles) {
      const wa = elementWindow(gpu, a, t.a.start, t.a.end, 'matmul A');
      const wb = elementWindow(gpu, b, t.b.start, t.b.end, 'matmul B');
      const wc = elementWindow(gpu, out, t.c.start, t.c.end, 'matmul C');
      const sub = { ...shape, m: t.m, n: t.n, k: t.k };
      const pipeline = pipelineCacheOf(gpu).get(
        matmulPipelineSpec(sub, wg, vec4Aligned(t.k, ldA, ldB, wa.first, wb.first, { strideA, strideB })),
      );
      const values = {
        M: t.m,
        N: t.n,
        K: t.k,
        batch,
        strideA,
        strideB,
        strideC,
        ldA,
        ldB,
        ldC,
        offA: wa.first,
        offB: wb.first,
        offC: wc.first,
        accumulate: t.accumulate ? 1 : 0,
        pad0: 0,
        pad1: 0,
      };
      const uniforms = createUniformBuffer(gpu, packU32Uniforms(MATMUL_PARAMS, values), 'matmul-params');
      uniformBuffers.push(uniforms);
      const bindGroup = gpu.device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: wa.binding },
          { binding: 1, resource: wb.binding },
          { binding: 2, resource: wc.binding },
          { binding: 3, resource: { buffer: uniforms } },
        ],
      });
      dispatches.push({
        pipeline,
        bindGroup,
        groups: [Math.ceil(Math.ceil(t.n / 4) / wg[0]), Math.ceil(Math.ceil(t.m / 4) / wg[1])],
      });
    }
  } catch (error) {
    for (const u of uniformBuffers) u.destroy();
    throw error;
  }
  return {
    shape,
    out,
    encode(pass) {
      // Sub-products of one pass run in order, so a K block's accumulate sees the previous block's C.
      for (const d of dispatches) {
        pass.setPipeline(d.pipeline);
        pass.setBindGroup(0, d.bindGroup);
        pass.dispatchWorkgroups(d.groups[0], d.groups[1], batch);
      }
    },
    dispose() {
      for (const u of uniformBuffers) u.destroy();
    },
  };
}

/**
 * C = op(A) · op(B) on the GPU. A and B are [rows, cols] or [batch, rows, cols] (a rank-2 operand is
 * shared across the batch); returns [M, N] or [batch, M, N]. Errors name the kernel `matmul`.
 */
export async function matmul(
  gpu: GpuDevice,
  a: GpuTensor,
  b: GpuTensor,
  options: MatmulOptions = {},
): Promise<GpuTensor> {
  const shape = matmulShapeOf(a, b, options);
  const outShape = a.shape.length === 3 || b.shape.length === 3 ? [shape.batch!, shape.m, shape.n] : [shape.m, shape.n];
  if (options.out && options.out.size !== outShape.reduce((x, y) => x * y, 1)) {
    throw new TensorShapeError(
      `matmul: out has shape [${options.out.shape.join(', ')}]; expected [${outShape.join(', ')}]`,
    );
  }
  const out = options.out ?? GpuTensor.zeros(gpu, outShape, 'matmul-out');
  try {
    await submitPlans(gpu, 'matmul', () => planMatmul(gpu, a, b, out, shape, options.workgroup));
  } catch (error) {
    if (!options.out) out.dispose();
    throw error;
  }
  return out;
}
