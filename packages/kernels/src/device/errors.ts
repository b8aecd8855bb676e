/** What a WebGPU error scope caught, as WebGPU names its filters. */

import { KernelsError } from '../errors.js';
export type GpuErrorKind = 'validation' | 'out-of-memory' | 'internal';

/** A WebGPU error caught by an error scope around one kernel's work; the message names the kernel. */
export class GpuKernelError extends KernelsError {
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
export class BackendUnavailableError extends KernelsError {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

/** A tensor does not fit the device (one storage binding or one buffer) or has an invalid shape. */
export class TensorShapeError extends KernelsError {
  constructor(message: string) {
    super(message);
    this.name = 'TensorShapeError';
  }
}
