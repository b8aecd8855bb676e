/**
 * Windows of a tensor that one storage binding can hold. A tensor's buffer may exceed
 * `maxStorageBufferBindingSize`; kernels that accept such a tensor bind `{ buffer, offset, size }`
 * windows of it instead of the whole buffer. Offsets are multiples of
 * `minStorageBufferOffsetAlignment` and sizes multiples of 16 bytes (so an `array<vec4<f32>>` view of
 * a window sees every element it covers).
 */
import { TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import type { GpuTensor } from './tensor.js';

/** Rows [row0, row0 + rows) of a tensor viewed as rows of equal length, and the binding holding them. */
export interface TensorWindow {
  /** First row of the window (element `row0 · rowElems` of the tensor is element 0 of the binding). */
  readonly row0: number;
  /** Number of rows in the window. */
  readonly rows: number;
  /** What to put in a bind group entry's `resource`. */
  readonly binding: GPUBufferBinding;
}

const PAD = 16;
const roundUp = (v: number, m: number): number => Math.ceil(v / m) * m;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Split `tensor`, seen as rows of `rowElems` elements, into consecutive row windows that each fit one
 * binding (`gpu.maxBindingBytes`); one window when the whole tensor fits, none when it is empty. Each
 * window starts at an aligned offset, so its row count is a multiple of `alignment / gcd(rowBytes,
 * alignment)`; throws a TensorShapeError naming the tensor when not even that many rows fit.
 */
export function bindingWindows(gpu: GpuDevice, tensor: GpuTensor, rowElems: number): TensorWindow[] {
  if (!(Number.isInteger(rowElems) && rowElems > 0) || tensor.size % rowElems !== 0) {
    throw new TensorShapeError(
      `bindingWindows: tensor ${tensor.label} [${tensor.shape.join(', ')}] is not made of rows of ${rowElems} elements`,
    );
  }
  const total = tensor.size / rowElems;
  if (total === 0) return [];
  const rowBytes = rowElems * 4;
  const maxBytes = gpu.maxBindingBytes;
  const align = gpu.limits.minStorageBufferOffsetAlignment;
  const step = align / gcd(rowBytes, align);
  const perWindow = total * rowBytes <= maxBytes ? total : Math.floor(maxBytes / rowBytes / step) * step;
  if (perWindow === 0) {
    throw new TensorShapeError(
      `tensor ${tensor.label} [${tensor.shape.join(', ')}]: ${step} rows of ${rowElems} elements (the smallest aligned window) exceed one storage binding (${maxBytes} bytes)`,
    );
  }
  const windows: TensorWindow[] = [];
  for (let row0 = 0; row0 < total; row0 += perWindow) {
    const rows = Math.min(perWindow, total - row0);
    // ≤ maxBytes: rows·rowBytes ≤ maxBytes and maxBytes is a multiple of the alignment (≥ 16).
    windows.push({
      row0,
      rows,
      binding: { buffer: tensor.buffer, offset: row0 * rowBytes, size: roundUp(rows * rowBytes, PAD) },
    });
  }
  return windows;
}

/**
 * The binding of elements [start, end) of `tensor`: the offset rounded down to the alignment, the size
 * up to 16 bytes, and `first`, the element index of `start` inside the binding. Throws a
 * TensorShapeError naming `what` and the tensor when that exceeds one binding.
 */
export function elementWindow(
  gpu: GpuDevice,
  tensor: GpuTensor,
  start: number,
  end: number,
  what: string,
): { binding: GPUBufferBinding; first: number } {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= tensor.size)) {
    throw new TensorShapeError(
      `${what}: elements [${start}, ${end}) are outside tensor ${tensor.label} [${tensor.shape.join(', ')}]`,
    );
  }
  // An empty range binds the first 16 bytes (every buffer has them) rather than past the end.
  if (start === end) start = end = 0;
  const align = gpu.limits.minStorageBufferOffsetAlignment;
  const offset = Math.floor((start * 4) / align) * align;
  const size = Math.max(PAD, roundUp(end * 4 - offset, PAD));
  if (size > gpu.maxBindingBytes) {
    throw new TensorShapeError(
      `${what}: ${size} bytes of tensor ${tensor.label} [${tensor.shape.join(', ')}] must be bound at once, more than one storage binding allows (${gpu.maxBindingBytes} bytes)`,
    );
  }
  return { binding: { buffer: tensor.buffer, offset, size }, first: (start * 4 - offset) / 4 };
}

/** The whole of `tensor` as one binding; throws a TensorShapeError naming `what` when it does not fit one. */
export function wholeBinding(gpu: GpuDevice, tensor: GpuTensor, what: string): GPUBufferBinding {
  return elementWindow(gpu, tensor, 0, tensor.size, what).binding;
}
