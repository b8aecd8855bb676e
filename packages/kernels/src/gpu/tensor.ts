/**
 * A f32 tensor in one GPU storage buffer: shape, upload, download, dispose. Deliberately small;
 * kernels bind `tensor.buffer` directly, or windows of it (`./windows.ts`) when it is larger than one
 * storage binding.
 */
import { GpuDisposedError, TensorShapeError } from '../device/errors.js';
import type { GpuDevice } from '../device/gpu-device.js';
import { BufferUsage, MapMode } from './usage.js';

/** Number of elements of a shape; throws on a negative or fractional dimension. */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new TensorShapeError(`invalid dimension ${d} in shape [${shape.join(', ')}]`);
    }
    size *= d;
  }
  return size;
}

// Buffers are padded to 16 bytes so that kernels may view any tensor as `array<vec4<f32>>` (vec4
// loads are what make matmul fast on llvmpipe); the padding is zeroed and never read back.
const PAD_BYTES = 16;

/** A dense row-major f32 tensor living in a GPU storage buffer. */
export class GpuTensor {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Number of elements. */
  readonly size: number;
  /** The storage buffer (STORAGE | COPY_SRC | COPY_DST), at least `size * 4` bytes, padded to 16. */
  readonly buffer: GPUBuffer;
  /** The label given at creation (error messages name the tensor by it). */
  readonly label: string;
  readonly #gpu: GpuDevice;
  #disposed = false;

  private constructor(gpu: GpuDevice, shape: readonly number[], label: string) {
    gpu.assertAlive(`tensor ${label}`);
    this.#gpu = gpu;
    this.shape = Object.freeze([...shape]);
    this.size = shapeSize(shape);
    this.label = label;
    const bytes = Math.max(PAD_BYTES, Math.ceil((this.size * 4) / PAD_BYTES) * PAD_BYTES);
    // One tensor = one buffer, which may exceed one storage binding (kernels that accept such a tensor
    // bind windows of it, see README); past the buffer limit, fail here with the numbers rather than
    // with a validation error from createBuffer.
    if (bytes > gpu.limits.maxBufferSize) {
      throw new TensorShapeError(
        `tensor ${label} [${shape.join(', ')}] needs ${bytes} bytes, more than one buffer allows (maxBufferSize ${gpu.limits.maxBufferSize} bytes on ${gpu.adapter.device})`,
      );
    }
    // New WebGPU buffers are zero-initialised, so the padding is zero too.
    this.buffer = gpu.device.createBuffer({
      label,
      size: bytes,
      usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
    });
  }

  /** A zero-filled tensor of `shape`. */
  static zeros(gpu: GpuDevice, shape: readonly number[], label = 'tensor'): GpuTensor {
    return new GpuTensor(gpu, shape, label);
  }

  /** Upload `data` (row-major, length = product of `shape`) into a new tensor. */
  static fromArray(gpu: GpuDevice, data: Float32Array, shape: readonly number[], label = 'tensor'): GpuTensor {
    const tensor = new GpuTensor(gpu, shape, label);
    if (data.length !== tensor.size) {
      tensor.dispose();
      throw new TensorShapeError(
        `tensor ${label}: ${data.length} values given for shape [${shape.join(', ')}] (${tensor.size} expected)`,
      );
    }
    tensor.write(data);
    return tensor;
  }

  /** Overwrite the contents with `data` (same length as the tensor); queued before later submits. */
  write(data: Float32Array): void {
    this.#assertUsable('write');
    if (data.length !== this.size) {
      throw new TensorShapeError(`write: ${data.length} values for a tensor of ${this.size}`);
    }
    if (this.size > 0) {
      this.#gpu.device.queue.writeBuffer(this.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    }
  }

  /** Download the contents through a staging buffer (waits for all submitted work that writes it). */
  async read(): Promise<Float32Array> {
    this.#assertUsable('read');
    const out = new Float32Array(this.size);
    if (this.size === 0) return out;
    const device = this.#gpu.device;
    // Storage buffers cannot be mapped; copy into a MAP_READ buffer, map it, copy out, destroy it.
    const staging = device.createBuffer({
      label: 'staging-read',
      size: this.size * 4,
      usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
    });
    try {
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(this.buffer, 0, staging, 0, this.size * 4);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MapMode.READ);
      out.set(new Float32Array(staging.getMappedRange()));
      staging.unmap();
    } finally {
      staging.destroy();
    }
    return out;
  }

  /** True once {@link GpuTensor.dispose} has run. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** Free the GPU memory now (GC would only do it eventually). Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.buffer.destroy();
  }

  #assertUsable(what: string): void {
    if (this.#disposed) throw new GpuDisposedError(`${what}: tensor [${this.shape.join(', ')}] has been disposed`);
    this.#gpu.assertAlive(what);
  }
}
