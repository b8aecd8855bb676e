/**
 * Token embedding on WebGPU: the gather forward and the deterministic scatter-add backward (a CSR index
 * of id → positions built on the host, one invocation per (unique id, column), no float atomics).
 */
import { TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import type { PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { type KernelPlan, WORKGROUP_1D, createU32StorageBuffer, grid1d, planDispatch, requireSize, submitPlans } from '../kernel-common/plan.js';
import type { EmbeddingDims } from '../reference/embedding.js';
import source from './embedding.wgsl';

/** The WGSL source of the embedding kernels (`gather`, `scatter`). */
export const EMBEDDING_WGSL: string = source;
/** Field order of the shader's `Params` uniform struct. */
export const EMBEDDING_PARAMS = ['count', 'hidden', 'pad0', 'pad1'] as const;

/** Token ids as the wrappers accept them (validated against vocab on the host). */
export type TokenIds = Int32Array | Uint32Array | readonly number[];

/** Pipeline spec of an entry point. */
export function embeddingSpec(entryPoint: 'gather' | 'scatter', accumulate = false): PipelineSpec {
  const constants: Record<string, number | boolean> = { WG: WORKGROUP_1D };
  if (entryPoint === 'scatter') constants.ACCUMULATE = accumulate;
  return { id: 'embedding', code: source, entryPoint, constants };
}

function checkDims(d: EmbeddingDims): void {
  if (!Number.isInteger(d.vocab) || d.vocab < 1 || !Number.isInteger(d.hidden) || d.hidden < 1) {
    throw new TensorShapeError(`embedding: invalid dims vocab=${d.vocab} hidden=${d.hidden}`);
  }
}

/** The ids as u32, after checking each is an integer in [0, vocab) (a TensorShapeError names `ids[t]`). */
export function checkedIds(ids: TokenIds, vocab: number): Uint32Array {
  const out = new Uint32Array(ids.length);
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t]!;
    if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new TensorShapeError(`embedding: ids[${t}] = ${id} is not a token id in [0, ${vocab})`);
    out[t] = id;
  }
  return out;
}

/** CSR index of ids: unique ids ascending, offsets [unique + 1], and positions grouped by id in ascending order. */
export function embeddingCsr(ids: Uint32Array): { unique: Uint32Array; offsets: Uint32Array; positions: Uint32Array } {
  const order = Array.from(ids.keys()).sort((a, b) => ids[a]! - ids[b]! || a - b);
  const unique: number[] = [];
  const offsets: number[] = [];
  order.forEach((pos, k) => {
    if (k === 0 || ids[pos] !== ids[order[k - 1]!]) {
      unique.push(ids[pos]!);
      offsets.push(k);
    }
  });
  offsets.push(order.length);
  return { unique: Uint32Array.from(unique), offsets: Uint32Array.from(offsets), positions: Uint32Array.from(order) };
}

/** Record out[t, :] = table[ids[t], :]; call inside `gpu.scoped`. */
export function planEmbeddingForward(gpu: GpuDevice, table: GpuTensor, ids: TokenIds, out: GpuTensor, d: EmbeddingDims): KernelPlan {
  checkDims(d);
  requireSize('embedding', 'table', table, d.vocab * d.hidden, '[vocab, hidden]');
  requireSize('embedding', 'out', out, ids.length * d.hidden, '[tokens, hidden]');
  const idBuffer = createU32StorageBuffer(gpu, checkedIds(ids, d.vocab), 'embedding-ids');
  return planDispatch(
    gpu,
    embeddingSpec('gather'),
    [table.buffer, idBuffer, null, null, out.buffer],
    EMBEDDING_PARAMS,
    { count: ids.length, hidden: d.hidden, pad0: 0, pad1: 0 },
    grid1d(gpu, ids.length * d.hidden),
    [idBuffer],
  );
}

/**
 * Record dtable[v, :] = Σ_{t: ids[t] = v} dout[t, :] for the ids present (other rows untouched; with
 * `accumulate` the sums are added to dtable's contents). Call inside `gpu.scoped`.
 */
export function planEmbeddingBackward(gpu: GpuDevice, dout: GpuTensor, ids: TokenIds, dtable: GpuTensor, d: EmbeddingDims, accumulate = false): KernelPlan {
  checkDims(d);
  requireSize('embedding backward', 'dout', dout, ids.length * d.hidden, '[tokens, hidden]');
  requireSize('embedding backward', 'dtable', dtable, d.vocab * d.hidden, '[vocab, hidden]');
  const csr = embeddingCsr(checkedIds(ids, d.vocab));
  const buffers = [
    createU32StorageBuffer(gpu, csr.unique, 'embedding-unique'),
    createU32StorageBuffer(gpu, csr.offsets, 'embedding-offsets'),
    createU32StorageBuffer(gpu, csr.positions, 'embedding-positions'),
  ];
  return planDispatch(
    gpu,
    embeddingSpec('scatter', accumulate),
    [dout.buffer, ...buffers, dtable.buffer],
    EMBEDDING_PARAMS,
    { count: csr.unique.length, hidden: d.hidden, pad0: 0, pad1: 0 },
    grid1d(gpu, csr.unique.length * d.hidden),
    buffers,
  );
}

/** Gather on the GPU: a new tensor [tokens, hidden]. */
export async function embeddingForwardGpu(gpu: GpuDevice, table: GpuTensor, ids: TokenIds, d: EmbeddingDims): Promise<GpuTensor> {
  const out = GpuTensor.zeros(gpu, [ids.length, d.hidden], 'embedding-out');
  try {
    await submitPlans(gpu, 'embedding', () => planEmbeddingForward(gpu, table, ids, out, d));
  } catch (error) {
    out.dispose();
    throw error;
  }
  return out;
}

/** Scatter-add on the GPU: a new tensor dtable [vocab, hidden] (zero rows for absent ids). */
export async function embeddingBackwardGpu(gpu: GpuDevice, dout: GpuTensor, ids: TokenIds, d: EmbeddingDims): Promise<GpuTensor> {
  const dtable = GpuTensor.zeros(gpu, [d.vocab, d.hidden], 'embedding-dtable');
  try {
    await submitPlans(gpu, 'embedding backward', () => planEmbeddingBackward(gpu, dout, ids, dtable, d));
  } catch (error) {
    dtable.dispose();
    throw error;
  }
  return dtable;
}
