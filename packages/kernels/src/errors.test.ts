import { KernelsError } from './errors.js';
import { BackendUnavailableError, GpuKernelError, TensorShapeError } from './device/errors.js';
import { MatmulError } from './cpu/ort-matmul.js';
import { KernelReferenceError, requireInt } from './reference/common.js';
import { DecoderModelError } from './decoder/errors.js';

describe('KernelsError', () => {
  it('is the base of every error class of the package', () => {
    for (const type of [BackendUnavailableError, GpuKernelError, TensorShapeError, MatmulError, KernelReferenceError, DecoderModelError]) {
      expect(type.prototype).toBeInstanceOf(KernelsError);
    }
  });

  it('recognises the package errors that real calls throw, and nothing else', () => {
    let caught: unknown;
    try {
      requireInt('n', 1.5, 0);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KernelReferenceError);
    expect(KernelsError.isInstance(caught)).toBe(true);
    expect(KernelsError.isInstance(new Error('other'))).toBe(false);
    expect(KernelsError.isInstance(null)).toBe(false);
  });
});
