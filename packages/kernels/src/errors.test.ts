import { KernelOptionError, KernelsError, NonFiniteGradientError } from './errors.js';
import { BackendUnavailableError, GpuDisposedError, GpuError, GpuKernelError, TensorShapeError } from './device/errors.js';
import { MatmulError } from './ort/ort-matmul.js';
import { KernelReferenceError } from './errors.js';
import { requireInt } from './arrays.js';
import { DecoderModelError } from './decoder/errors.js';
import { adamwScalars } from './adamw/adamw.gpu.js';
import { clipGradNorm } from './grad-norm/grad-norm.reference.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

const ALL = [BackendUnavailableError, GpuDisposedError, GpuError, GpuKernelError, TensorShapeError, MatmulError, KernelReferenceError, DecoderModelError, KernelOptionError, NonFiniteGradientError];

describe('KernelsError', () => {
  it('is the base of every error class of the package', () => {
    for (const type of ALL) expect(type.prototype).toBeInstanceOf(KernelsError);
  });

  it('groups the adapter and device errors under GpuError, and only those', () => {
    for (const type of ALL) {
      const gpu = type === GpuError || type === GpuKernelError || type === BackendUnavailableError || type === GpuDisposedError;
      expect(type.prototype instanceof GpuError || type === GpuError).toBe(gpu);
    }
    expect(GpuError.isInstance(new BackendUnavailableError('no adapter'))).toBe(true);
    expect(GpuError.isInstance(new TensorShapeError('too big'))).toBe(false);
  });

  it('recognises the package errors that real calls throw, and nothing else', () => {
    const caught = thrown(() => requireInt('n', 1.5, 0));
    expect(caught).toBeInstanceOf(KernelReferenceError);
    expect(KernelsError.isInstance(caught)).toBe(true);
    expect(KernelsError.isInstance(new Error('other'))).toBe(false);
    expect(KernelsError.isInstance(null)).toBe(false);
  });

  it('throws a KernelOptionError for an option out of range, message unchanged', () => {
    const caught = thrown(() => adamwScalars(1, { lr: 1e-3, beta1: 1, beta2: 0.999, eps: 1e-8, weightDecay: 0 }));
    expect(caught).toBeInstanceOf(KernelOptionError);
    expect((caught as Error).message).toBe('adamw: beta1 must be in [0, 1), got 1');
    expect((caught as Error).name).toBe('KernelOptionError');
  });

  it('throws a NonFiniteGradientError for a non-finite gradient, recognised across installs by its marker', () => {
    const caught = thrown(() => clipGradNorm([Float32Array.of(1, Infinity)], 1));
    expect(caught).toBeInstanceOf(NonFiniteGradientError);
    expect(NonFiniteGradientError.isInstance(caught)).toBe(true);
    expect(KernelsError.isInstance(caught)).toBe(true);
    expect(NonFiniteGradientError.isInstance(new KernelOptionError('x'))).toBe(false);
    const foreign = Object.assign(new Error('grads: overflow'), { [Symbol.for('@rlvr/kernels/error/non-finite-gradient')]: true });
    expect(NonFiniteGradientError.isInstance(foreign)).toBe(true);
  });
});
