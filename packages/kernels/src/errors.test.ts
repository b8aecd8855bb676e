import { KernelsError } from './errors.js';
import { BackendUnavailableError, GpuKernelError, TensorShapeError } from './device/errors.js';
import { MatmulError } from './cpu/ort-matmul.js';
import { ConfigError, ModelWeightsError } from './model/config.js';
import { SafetensorsError, decodeSafetensors } from './model/safetensors.js';
import { KernelReferenceError } from './reference/common.js';
import { DecoderModelError } from './decoder/errors.js';

describe('KernelsError', () => {
  it('is the base of every error class of the package', () => {
    for (const type of [BackendUnavailableError, GpuKernelError, TensorShapeError, MatmulError, ConfigError, ModelWeightsError, SafetensorsError, KernelReferenceError, DecoderModelError]) {
      expect(type.prototype).toBeInstanceOf(KernelsError);
    }
  });

  it('recognises the package errors that real calls throw, and nothing else', () => {
    let caught: unknown;
    try {
      decodeSafetensors(new Uint8Array([1, 2, 3]));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SafetensorsError);
    expect(KernelsError.isInstance(caught)).toBe(true);
    expect(KernelsError.isInstance(new Error('other'))).toBe(false);
    expect(KernelsError.isInstance(null)).toBe(false);
  });
});
