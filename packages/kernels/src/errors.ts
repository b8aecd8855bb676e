/** Marker that survives duplicate installs of the package (see {@link KernelsError.isInstance}). */
const MARKER = Symbol.for('@rlvr/kernels/error');

/**
 * The base of every error @rlvr/kernels throws (bad shapes, configs, checkpoints, GPU failures), so a
 * caller can tell the package's errors from others with one check that works across installs.
 */
export class KernelsError extends Error {
  private readonly [MARKER] = true;

  /** True for an error of this package (any subclass, any installed copy). */
  static isInstance(value: unknown): value is KernelsError {
    return typeof value === 'object' && value !== null && MARKER in value;
  }
}
