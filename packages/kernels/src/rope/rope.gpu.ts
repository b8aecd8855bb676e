/**
 * RoPE on WebGPU (Hugging Face rotate-half), forward and backward. The cos/sin table comes from the
 * shared `ropeTables` (HF's f32-rounded angles, cos/sin in f64 times the scaling's attention factor,
 * rounded once to f32) and is uploaded;
 * see rope.wgsl for why the shader does not evaluate sin/cos itself.
 */
import { TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import type { PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { type KernelPlan, planDispatch, submitPlans } from '../kernel-common/plan.js';
import type { Ints } from '../arrays.js';
import type { RopeConfig } from '@rlvr/core';
import { ropeTables } from './rope.shared.js';
import source from './rope.wgsl';

/** The WGSL source of the RoPE kernel. */
export const ROPE_WGSL: string = source;

/** Field order of the shader's `Params` uniform struct (checked against the WGSL by a test). */
export const ROPE_PARAMS = ['tokens', 'heads', 'halfDim', 'groupsX'] as const;

const WG = 64;

/** The pipeline spec of the forward or backward rotation. */
export function ropePipelineSpec(backward: boolean): PipelineSpec {
  return { id: 'rope', code: source, constants: { BACKWARD: backward, WG } };
}

/** The cos/sin table [tokens, headDim] (cos in the first half of a row, sin in the second) as f32, for upload. */
export function ropeTable(positions: Ints, rope: RopeConfig): Float32Array {
  const headDim = rope.headDim;
  const { cos, sin } = ropeTables(positions, rope);
  const half = headDim / 2;
  const out = new Float32Array(positions.length * headDim);
  for (let t = 0; t < positions.length; t++) {
    for (let i = 0; i < half; i++) {
      out[t * headDim + i] = cos[t * half + i]!;
      out[t * headDim + half + i] = sin[t * half + i]!;
    }
  }
  return out;
}

/** Upload the table of {@link ropeTable}: build it once per batch and share it by q and k, forward and backward. */
export function ropeTableTensor(gpu: GpuDevice, positions: Ints, rope: RopeConfig): GpuTensor {
  return GpuTensor.fromArray(gpu, ropeTable(positions, rope), [positions.length, rope.headDim], 'rope-table');
}

/**
 * Record the rotation (or with `backward` its transpose) of x [tokens, heads, headDim] by `table`
 * ([tokens, headDim], from {@link ropeTableTensor}) into out (x's size, not x); call inside `gpu.scoped`.
 * One invocation per rotated pair, the grid folded into y past the x dimension's limit.
 */
export function planRope(
  gpu: GpuDevice,
  x: GpuTensor,
  table: GpuTensor,
  out: GpuTensor,
  heads: number,
  backward: boolean,
): KernelPlan {
  const [tokens, headDim] = table.shape as [number, number];
  const groups = Math.ceil((tokens * heads * headDim) / 2 / WG);
  const groupsX = Math.min(groups, gpu.limits.maxComputeWorkgroupsPerDimension);
  const groupsY = Math.ceil(groups / Math.max(1, groupsX));
  return planDispatch(
    gpu,
    ropePipelineSpec(backward),
    [x.buffer, table.buffer, out.buffer],
    ROPE_PARAMS,
    { tokens, heads, halfDim: headDim / 2, groupsX },
    [groupsX, groupsY],
  );
}

/** Options of {@link rope}. */
export interface RopeGpuOptions {
  /** Apply the transpose (backward: dx from dy). */
  backward?: boolean;
  /** Write here instead of a new tensor (same shape as x; must not be x). */
  out?: GpuTensor;
}

/** Rotate x [tokens, heads, headDim] by the table of {@link ropeTableTensor} ([tokens, headDim]); backward applies Rᵀ. */
export async function rope(
  gpu: GpuDevice,
  x: GpuTensor,
  table: GpuTensor,
  options: RopeGpuOptions = {},
): Promise<GpuTensor> {
  const kernel = options.backward ? 'rope-backward' : 'rope';
  const name = options.backward ? 'dy' : 'x';
  if (x.shape.length !== 3) {
    throw new TensorShapeError(
      `${kernel}: ${name} has shape [${x.shape.join(', ')}]; expected [tokens, heads, headDim]`,
    );
  }
  const [tokens, heads, headDim] = x.shape as [number, number, number];
  if (headDim % 2 !== 0) throw new TensorShapeError(`${kernel}: ${name} has odd headDim ${headDim}`);
  if (table.shape.length !== 2 || table.shape[0] !== tokens || table.shape[1] !== headDim) {
    throw new TensorShapeError(
      `${kernel}: table has shape [${table.shape.join(', ')}]; expected [${tokens}, ${headDim}]`,
    );
  }
  if (options.out && (options.out.size !== x.size || options.out === x)) {
    throw new TensorShapeError(
      `${kernel}: out has shape [${options.out.shape.join(', ')}]; expected [${x.shape.join(', ')}] and a tensor other than ${name}`,
    );
  }
  const out = options.out ?? GpuTensor.zeros(gpu, x.shape, `${kernel}-out`);
  if (x.size === 0) return out;
  try {
    await submitPlans(gpu, kernel, () => planRope(gpu, x, table, out, heads, Boolean(options.backward)));
  } catch (error) {
    if (!options.out) out.dispose();
    throw error;
  }
  return out;
}
