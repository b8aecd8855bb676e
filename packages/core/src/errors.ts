/** Marker that survives duplicate installs of the package (see {@link CoreError.isInstance}). */
const MARKER = Symbol.for('@rlvr/core/error');

/**
 * The base of every error @rlvr/core throws (bad configs, weights, safetensors files), so a caller can
 * tell them from other errors with one check that works across installs.
 */
export class CoreError extends Error {
  private readonly [MARKER] = true;

  /** True for an error of this package (any subclass, any installed copy). */
  static isInstance(value: unknown): value is CoreError {
    return typeof value === 'object' && value !== null && MARKER in value;
  }
}
