/**
 * Token embedding on WebGPU: the gather forward and the deterministic scatter-add backward (a CSR index
 * of id → positions built on the host, one invocation per (unique id, column), no float atomics). A
 * table larger than one storage binding is processed in row windows, one dispatch each.
 */
import { TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import type { PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { bindingWindows, wholeBinding } from '../gpu/windows.js';
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
import type { EmbeddingDims } from './embedding.shared.js';
import source from './embedding.wgsl';

/** The WGSL source of the embedding kernels (`gather`, `scatter`). */
export const EMBEDDING_WGSL: string = source;
/** Field order of the shader's `Params` uniform struct. */
export const EMBEDDING_PARAMS = ['count', 'hidden', 'row0', 'rows', 'first', 'pad0', 'pad1', 'pad2'] as const;

/** Token ids as the wrappers accept them (validated against vocab on the host). */
export type TokenIds = Int32Array | Uint32Array | readonly number[];

/** Pipeline spec of an entry point. */
function embeddingSpec(entryPoint: 'gather' | 'scatter', accumulate = false): PipelineSpec {
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
function checkedIds(ids: TokenIds, vocab: number): Uint32Array {
  const out = new Uint32Array(ids.length);
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t]!;
    if (!Number.isInteger(id) || id < 0 || id >= vocab) {
      throw new TensorShapeError(`embedding: ids[${t}] = ${id} is not a token id in [0, ${vocab})`);
    }
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

/** The uniform values of one dispatch (unused fields zero). */
function params(values: {
  count: number;
  hidden: number;
  row0: number;
  rows?: number;
  first?: number;
}): Record<(typeof EMBEDDING_PARAMS)[number], number> {
  return { rows: 0, first: 0, pad0: 0, pad1: 0, pad2: 0, ...values };
}

/** Record out[t, :] = table[ids[t], :], one dispatch per binding window of the table; call inside `gpu.scoped`. */
export function planEmbeddingForward(
  gpu: GpuDevice,
  table: GpuTensor,
  ids: TokenIds,
  out: GpuTensor,
  d: EmbeddingDims,
): KernelPlan {
  checkDims(d);
  requireSize('embedding', 'table', table, d.vocab * d.hidden, '[vocab, hidden]');
  requireSize('embedding', 'out', out, ids.length * d.hidden, '[tokens, hidden]');
  const outBinding = wholeBinding(gpu, out, 'embedding out');
  const windows = bindingWindows(gpu, table, d.hidden);
  const idBuffer = createU32StorageBuffer(gpu, checkedIds(ids, d.vocab), 'embedding-ids');
  // The id buffer is shared by every window's dispatch, so the last plan owns it.
  const plans = windows.map((w, k) =>
    planDispatch(
      gpu,
      embeddingSpec('gather'),
      [w.binding, idBuffer, null, null, outBinding],
      EMBEDDING_PARAMS,
      params({ count: ids.length, hidden: d.hidden, row0: w.row0, rows: w.rows }),
      grid1d(gpu, ids.length * d.hidden),
      k === windows.length - 1 ? [idBuffer] : [],
    ),
  );
  return sequence(plans);
}

/**
 * Record dtable[v, :] = Σ_{t: ids[t] = v} dout[t, :] for the ids present (other rows untouched; with
 * `accumulate` the sums are added to dtable's contents), one dispatch per binding window of dtable
 * that holds an id. Call inside `gpu.scoped`.
 */
export function planEmbeddingBackward(
  gpu: GpuDevice,
  dout: GpuTensor,
  ids: TokenIds,
  dtable: GpuTensor,
  d: EmbeddingDims,
  accumulate = false,
): KernelPlan {
  checkDims(d);
  requireSize('embedding backward', 'dout', dout, ids.length * d.hidden, '[tokens, hidden]');
  requireSize('embedding backward', 'dtable', dtable, d.vocab * d.hidden, '[vocab, hidden]');
  const doutBinding = wholeBinding(gpu, dout, 'embedding backward dout');
  const csr = embeddingCsr(checkedIds(ids, d.vocab));
  // Unique ids are ascending, so those of each window are one contiguous run [first, end).
  const windows = bindingWindows(gpu, dtable, d.hidden).flatMap((w) => {
    const first = lowerBound(csr.unique, w.row0);
    const count = lowerBound(csr.unique, w.row0 + w.rows) - first;
    return count > 0 ? [{ w, first, count }] : [];
  });
  const buffers = [
    createU32StorageBuffer(gpu, csr.unique, 'embedding-unique'),
    createU32StorageBuffer(gpu, csr.offsets, 'embedding-offsets'),
    createU32StorageBuffer(gpu, csr.positions, 'embedding-positions'),
  ];
  if (windows.length === 0) return { encode() {}, dispose: () => buffers.forEach((b) => b.destroy()) };
  const plans = windows.map(({ w, first, count }, k) =>
    planDispatch(
      gpu,
      embeddingSpec('scatter', accumulate),
      [doutBinding, ...buffers, w.binding],
      EMBEDDING_PARAMS,
      params({ count, hidden: d.hidden, row0: w.row0, first }),
      grid1d(gpu, count * d.hidden),
      k === windows.length - 1 ? buffers : [],
    ),
  );
  return sequence(plans);
}

/** Index of the first element of ascending `sorted` that is ≥ `value` (sorted.length when none). */
function lowerBound(sorted: Uint32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Gather on the GPU: a new tensor [tokens, hidden]. */
export function embeddingForwardGpu(
  gpu: GpuDevice,
  table: GpuTensor,
  ids: TokenIds,
  d: EmbeddingDims,
): Promise<GpuTensor> {
  return submitInto(gpu, 'embedding', GpuTensor.zeros(gpu, [ids.length, d.hidden], 'embedding-out'), (out) =>
    planEmbeddingForward(gpu, table, ids, out, d),
  );
}

/** Scatter-add on the GPU: a new tensor dtable [vocab, hidden] (zero rows for absent ids). */
export function embeddingBackwardGpu(
  gpu: GpuDevice,
  dout: GpuTensor,
  ids: TokenIds,
  d: EmbeddingDims,
): Promise<GpuTensor> {
  return submitInto(
    gpu,
    'embedding backward',
    GpuTensor.zeros(gpu, [d.vocab, d.hidden], 'embedding-dtable'),
    (dtable) => planEmbeddingBackward(gpu, dout, ids, dtable, d),
  );
}
