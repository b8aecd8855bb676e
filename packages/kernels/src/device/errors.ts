import { KernelsError } from '../errors.js';

/** Marker of {@link GpuError} that survives duplicate installs of the package. */
const GPU_MARKER = Symbol.for('@rlvr/kernels/error/gpu');

/** What a WebGPU error scope caught, as WebGPU names its filters. */
export type GpuErrorKind = 'validation' | 'out-of-memory' | 'internal';

/**
 * The base of the adapter and device errors (no adapter, a WebGPU error in a kernel, a destroyed
 * device or disposed tensor), as opposed to errors in the inputs (shapes, options), so a caller can
 * fall back to the cpu backend on these only.
 */
export class GpuError extends KernelsError {
  private readonly [GPU_MARKER] = true;

  /** True for a GpuError (any subclass) from any installed copy of this package. */
  static override isInstance(value: unknown): value is GpuError {
    return typeof value === 'object' && value !== null && GPU_MARKER in value;
  }
}

/** A WebGPU error caught by an error scope around one kernel's work; the message names the kernel. */
export class GpuKernelError extends GpuError {
  /** The kernel whose work raised the error, e.g. `matmul`. */
  readonly kernel: string;
  /** Which error scope caught it. */
  readonly kind: GpuErrorKind;

  constructor(kernel: string, kind: GpuErrorKind, detail: string) {
    super(`${kernel}: WebGPU ${kind} error: ${detail}`);
    this.name = 'GpuKernelError';
    this.kernel = kernel;
    this.kind = kind;
  }
}

/** The requested backend cannot be provided (e.g. `webgpu` asked for and no adapter exists). */
export class BackendUnavailableError extends GpuError {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

/** A GPU device used after `destroy()`, or a tensor after `dispose()`; the message names the operation. */
export class GpuDisposedError extends GpuError {
  override readonly name = 'GpuDisposedError';
}

/** A tensor does not fit the device (one storage binding or one buffer) or has an invalid shape. */
export class TensorShapeError extends KernelsError {
  constructor(message: string) {
    super(message);
    this.name = 'TensorShapeError';
  }
}
