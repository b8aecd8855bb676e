/**
 * RoPE on WebGPU (Hugging Face rotate-half), forward and backward. The cos/sin table comes from the
 * reference's `ropeTables` (HF's f32-rounded angles, cos/sin in f64, rounded once to f32) and is
 * uploaded; see rope.wgsl for why the shader does not evaluate sin/cos itself.
 */
import { TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import type { PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { planDispatch, submitPlans } from '../kernel-common/plan.js';
import type { Ints } from '../reference/common.js';
import { ropeTables } from '../reference/rope.js';
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
export function ropeTable(positions: Ints, headDim: number, theta: number): Float32Array {
  const { cos, sin } = ropeTables(positions, headDim, theta);
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
export function ropeTableTensor(gpu: GpuDevice, positions: Ints, headDim: number, theta: number): GpuTensor {
  return GpuTensor.fromArray(gpu, ropeTable(positions, headDim, theta), [positions.length, headDim], 'rope-table');
}

/** Options of {@link rope}. */
export interface RopeGpuOptions {
  /** Apply the transpose (backward: dx from dy). */
  backward?: boolean;
  /** Write here instead of a new tensor (same shape as x; must not be x). */
  out?: GpuTensor;
}

/** Rotate x [tokens, heads, headDim] by the table of {@link ropeTableTensor} ([tokens, headDim]); backward applies Rᵀ. */
export async function rope(gpu: GpuDevice, x: GpuTensor, table: GpuTensor, options: RopeGpuOptions = {}): Promise<GpuTensor> {
  const kernel = options.backward ? 'rope-backward' : 'rope';
  const name = options.backward ? 'dy' : 'x';
  if (x.shape.length !== 3) throw new TensorShapeError(`${kernel}: ${name} has shape [${x.shape.join(', ')}]; expected [tokens, heads, headDim]`);
  const [tokens, heads, headDim] = x.shape as [number, number, number];
  if (headDim % 2 !== 0) throw new TensorShapeError(`${kernel}: ${name} has odd headDim ${headDim}`);
  if (table.shape.length !== 2 || table.shape[0] !== tokens || table.shape[1] !== headDim) {
    throw new TensorShapeError(`${kernel}: table has shape [${table.shape.join(', ')}]; expected [${tokens}, ${headDim}]`);
  }
  if (options.out && (options.out.size !== x.size || options.out === x)) {
    throw new TensorShapeError(`${kernel}: out has shape [${options.out.shape.join(', ')}]; expected [${x.shape.join(', ')}] and a tensor other than ${name}`);
  }
  const out = options.out ?? GpuTensor.zeros(gpu, x.shape, `${kernel}-out`);
  const pairs = (tokens * heads * headDim) / 2;
  if (pairs === 0) return out;
  const groups = Math.ceil(pairs / WG);
  const maxGroups = gpu.limits.maxComputeWorkgroupsPerDimension;
  const groupsX = Math.min(groups, maxGroups);
  const groupsY = Math.ceil(groups / groupsX);
  try {
    await submitPlans(gpu, kernel, () =>
      planDispatch(
        gpu,
        ropePipelineSpec(Boolean(options.backward)),
        [x.buffer, table.buffer, out.buffer],
        ROPE_PARAMS,
        { tokens, heads, halfDim: headDim / 2, groupsX },
        [groupsX, groupsY],
      ),
    );
  } catch (error) {
    if (!options.out) out.dispose();
    throw error;
  }
  return out;
}

/**
 * Tolerance of a RoPE output element against the f64 reference: 4u·(|a| + |b|) + 1e-30 for the pair
 * (a, b) it mixes, u = 2⁻²⁴. Why: c and s are rounded once to f32 (relative u each), the two products
 * and the sum add ≤ 2 roundings, so |err| ≤ 3u·(|a·c| + |b·s|) + u·|out| ≤ 4u·(|a| + |b|) as |c|, |s| ≤ 1.
 * A wrong pairing, sign or position gives errors of order |a| + |b| itself.
 */
export function ropeTolerance(x: Float32Array, headDim: number): Float64Array {
  const half = headDim / 2;
  const tol = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += headDim) {
    for (let i = 0; i < half; i++) {
      const t = 4 * 2 ** -24 * (Math.abs(x[o + i]!) + Math.abs(x[o + i + half]!)) + 1e-30;
      tol[o + i] = t;
      tol[o + i + half] = t;
    }
  }
  return tol;
}
