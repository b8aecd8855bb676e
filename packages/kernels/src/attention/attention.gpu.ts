/**
 * Causal self-attention with grouped-query heads and a padding mask on WebGPU (f32): forward (o and
 * the per-row log-sum-exp saved for backward) and backward (dq, dk, dv, recomputing the softmax from
 * lse). Layouts as in the CPU reference: q, o, dO, dq [batch, seq, numHeads, headDim]; k, v, dk, dv
 * [batch, seq, numKvHeads, headDim]; mask [batch, seq] (host array, 1 = token, 0 = padding); lse
 * [batch, numHeads, seq]. `plan*` record into a caller's pass; the async forms submit.
 */
import { TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import type { PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { BufferUsage } from '../gpu/usage.js';
import {
  type KernelPlan,
  WORKGROUP_1D,
  createU32StorageBuffer,
  grid1d,
  planDispatch,
  requireSize,
  sequence,
  submitInto,
} from '../kernel-common/plan.js';
import type { AttentionDims } from './attention.shared.js';
import forwardSource from './attention.wgsl';
import backwardSource from './attention-backward.wgsl';

/** The WGSL source of the forward kernel (entry `forward`). */
export const ATTENTION_WGSL: string = forwardSource;
/** The WGSL source of the backward kernels (`delta_from_o`, `delta_recompute`, `backward_dq`, `backward_dkv`). */
export const ATTENTION_BACKWARD_WGSL: string = backwardSource;
/** Field order of both shaders' `Params` uniform struct. */
export const ATTENTION_PARAMS = ['batch', 'seq', 'num_heads', 'num_kv_heads'] as const;
/** Largest head dimension the kernels support (the size of their private arrays). */
const ATTENTION_MAX_HEAD_DIM = 128;

/** A padding mask as the wrappers accept it: [batch, seq] of 0 (padding) and 1 (token). */
export type AttentionMask = Int32Array | Uint32Array | readonly number[];

type BackwardEntry = 'delta_from_o' | 'delta_recompute' | 'backward_dq' | 'backward_dkv';

function checkDims(kernel: string, d: AttentionDims): void {
  const ints: [string, number, number][] = [
    ['batch', d.batch, 0],
    ['seq', d.seq, 0],
    ['numHeads', d.numHeads, 1],
    ['numKvHeads', d.numKvHeads, 1],
    ['headDim', d.headDim, 1],
  ];
  for (const [name, value, min] of ints) {
    if (!Number.isInteger(value) || value < min) throw new TensorShapeError(`${kernel}: invalid dims ${name}=${value}`);
  }
  if (d.numHeads % d.numKvHeads !== 0) {
    throw new TensorShapeError(`${kernel}: numKvHeads=${d.numKvHeads} must divide numHeads=${d.numHeads}`);
  }
  if (d.headDim > ATTENTION_MAX_HEAD_DIM) {
    throw new TensorShapeError(`${kernel}: headDim=${d.headDim} exceeds the supported ${ATTENTION_MAX_HEAD_DIM}`);
  }
}

/**
 * Check the dims and every tensor's size: `query` ones [batch, seq, numHeads, headDim] (null: absent),
 * `kv` ones [batch, seq, numKvHeads, headDim], `rows` ones [batch, numHeads, seq]; errors name the tensor.
 */
function checkShapes(
  kernel: string,
  d: AttentionDims,
  query: Readonly<Record<string, GpuTensor | null>>,
  kv: Readonly<Record<string, GpuTensor>>,
  rows: Readonly<Record<string, GpuTensor>>,
): void {
  checkDims(kernel, d);
  const layouts = [
    [query, d.batch * d.seq * d.numHeads * d.headDim, '[batch, seq, numHeads, headDim]'],
    [kv, d.batch * d.seq * d.numKvHeads * d.headDim, '[batch, seq, numKvHeads, headDim]'],
    [rows, d.batch * d.numHeads * d.seq, '[batch, numHeads, seq]'],
  ] as const;
  for (const [tensors, size, layout] of layouts) {
    for (const [name, t] of Object.entries(tensors)) if (t) requireSize(kernel, name, t, size, layout);
  }
}

/** The mask as u32 after checking its length and that every entry is 0 or 1 (a TensorShapeError names `mask[t]`). */
function checkedAttentionMask(kernel: string, mask: AttentionMask, d: AttentionDims): Uint32Array {
  if (mask.length !== d.batch * d.seq) {
    throw new TensorShapeError(
      `${kernel}: mask has ${mask.length} entries; expected ${d.batch * d.seq} ([batch, seq])`,
    );
  }
  const out = new Uint32Array(mask.length);
  for (let t = 0; t < mask.length; t++) {
    const m = mask[t]!;
    if (m !== 0 && m !== 1) throw new TensorShapeError(`${kernel}: mask[${t}] = ${m}; expected 0 or 1`);
    out[t] = m;
  }
  return out;
}

/** Pipeline spec of the forward kernel for one head dimension. */
function attentionForwardSpec(headDim: number): PipelineSpec {
  return {
    id: 'attention',
    code: forwardSource,
    entryPoint: 'forward',
    constants: { WG: WORKGROUP_1D, HEAD_DIM: headDim },
  };
}

/** Pipeline spec of a backward entry point for one head dimension. */
function attentionBackwardSpec(entryPoint: BackwardEntry, headDim: number): PipelineSpec {
  return {
    id: 'attention-backward',
    code: backwardSource,
    entryPoint,
    constants: { WG: WORKGROUP_1D, HEAD_DIM: headDim },
  };
}

function uniformValues(d: AttentionDims): Record<string, number> {
  return { batch: d.batch, seq: d.seq, num_heads: d.numHeads, num_kv_heads: d.numKvHeads };
}

/** Record o and lse from q, k, v and the mask into caller tensors; call inside `gpu.scoped`. */
export function planAttentionForward(
  gpu: GpuDevice,
  q: GpuTensor,
  k: GpuTensor,
  v: GpuTensor,
  mask: AttentionMask,
  o: GpuTensor,
  lse: GpuTensor,
  d: AttentionDims,
): KernelPlan {
  const kernel = 'attention';
  checkShapes(kernel, d, { q, o }, { k, v }, { lse });
  const maskBuffer = createU32StorageBuffer(gpu, checkedAttentionMask(kernel, mask, d), 'attention-mask');
  const [gx, gy] = grid1d(gpu, d.batch * d.numHeads * d.seq);
  return planDispatch(
    gpu,
    attentionForwardSpec(d.headDim),
    [q.buffer, k.buffer, v.buffer, maskBuffer, o.buffer, lse.buffer],
    ATTENTION_PARAMS,
    uniformValues(d),
    [gx, gy],
    [maskBuffer],
  );
}

/**
 * Record dq, dk and dv from dO, q, k, v, the mask and the forward's lse (and o, which makes the
 * per-row D_i = dO_i·o_i one dot product instead of a pass over the keys; pass null without it).
 * Call inside `gpu.scoped`.
 */
export function planAttentionBackward(
  gpu: GpuDevice,
  dO: GpuTensor,
  q: GpuTensor,
  k: GpuTensor,
  v: GpuTensor,
  mask: AttentionMask,
  o: GpuTensor | null,
  lse: GpuTensor,
  dq: GpuTensor,
  dk: GpuTensor,
  dv: GpuTensor,
  d: AttentionDims,
): KernelPlan {
  const kernel = 'attention backward';
  checkShapes(kernel, d, { dO, q, o, dq }, { k, v, dk, dv }, { lse });
  const rows = d.batch * d.numHeads * d.seq;
  const maskBuffer = createU32StorageBuffer(gpu, checkedAttentionMask(kernel, mask, d), 'attention-mask');
  const delta = gpu.device.createBuffer({
    label: 'attention-delta',
    size: Math.max(16, Math.ceil((rows * 4) / 16) * 16),
    usage: BufferUsage.STORAGE,
  });
  const values = uniformValues(d);
  const [rx, ry] = grid1d(gpu, rows);
  const [kx, ky] = grid1d(gpu, d.batch * d.seq * d.numKvHeads);
  const hd = d.headDim;
  // Bindings 0…10: dO, q, k, v, mask, lse, o, delta, dq, dk, dv (null: unused by that entry point);
  // planDispatch puts the uniform block right after the list, so every list has all 11 entries.
  const deltaPlan = o
    ? planDispatch(
        gpu,
        attentionBackwardSpec('delta_from_o', hd),
        [dO.buffer, null, null, null, null, null, o.buffer, delta, null, null, null],
        ATTENTION_PARAMS,
        values,
        [rx, ry],
      )
    : planDispatch(
        gpu,
        attentionBackwardSpec('delta_recompute', hd),
        [dO.buffer, q.buffer, k.buffer, v.buffer, maskBuffer, lse.buffer, null, delta, null, null, null],
        ATTENTION_PARAMS,
        values,
        [rx, ry],
      );
  return sequence([
    deltaPlan,
    planDispatch(
      gpu,
      attentionBackwardSpec('backward_dq', hd),
      [dO.buffer, q.buffer, k.buffer, v.buffer, maskBuffer, lse.buffer, null, delta, dq.buffer, null, null],
      ATTENTION_PARAMS,
      values,
      [rx, ry],
    ),
    planDispatch(
      gpu,
      attentionBackwardSpec('backward_dkv', hd),
      [dO.buffer, q.buffer, k.buffer, v.buffer, maskBuffer, lse.buffer, null, delta, null, dk.buffer, dv.buffer],
      ATTENTION_PARAMS,
      values,
      [kx, ky],
      [maskBuffer, delta],
    ),
  ]);
}

/** Attention forward on the GPU: new tensors o (shape of q) and lse [batch, numHeads, seq] (−∞ on rows with no allowed key). */
export function attentionForwardGpu(
  gpu: GpuDevice,
  q: GpuTensor,
  k: GpuTensor,
  v: GpuTensor,
  mask: AttentionMask,
  d: AttentionDims,
): Promise<{ o: GpuTensor; lse: GpuTensor }> {
  const outputs = {
    o: GpuTensor.zeros(gpu, q.shape, 'attention-o'),
    lse: GpuTensor.zeros(gpu, [d.batch, d.numHeads, d.seq], 'attention-lse'),
  };
  return submitInto(gpu, 'attention', outputs, ({ o, lse }) => planAttentionForward(gpu, q, k, v, mask, o, lse, d));
}

/** Attention backward on the GPU: new tensors dq (shape of q), dk and dv (shape of k); `o` may be null. */
export function attentionBackwardGpu(
  gpu: GpuDevice,
  dO: GpuTensor,
  q: GpuTensor,
  k: GpuTensor,
  v: GpuTensor,
  mask: AttentionMask,
  o: GpuTensor | null | undefined,
  lse: GpuTensor,
  d: AttentionDims,
): Promise<{ dq: GpuTensor; dk: GpuTensor; dv: GpuTensor }> {
  const outputs = {
    dq: GpuTensor.zeros(gpu, q.shape, 'attention-dq'),
    dk: GpuTensor.zeros(gpu, k.shape, 'attention-dk'),
    dv: GpuTensor.zeros(gpu, k.shape, 'attention-dv'),
  };
  return submitInto(gpu, 'attention backward', outputs, ({ dq, dk, dv }) =>
    planAttentionBackward(gpu, dO, q, k, v, mask, o ?? null, lse, dq, dk, dv, d),
  );
}
