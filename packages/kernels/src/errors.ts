/** Marker that survives duplicate installs of the package (see {@link KernelsError.isInstance}). */
const MARKER = Symbol.for('@rlvr/kernels/error');
/** Marker of {@link NonFiniteGradientError}, for the same reason. */
const NON_FINITE_GRADIENT = Symbol.for('@rlvr/kernels/error/non-finite-gradient');

/**
 * The base of every error @rlvr/kernels throws (bad shapes, options, checkpoints, GPU failures), so a
 * caller can tell the package's errors from others with one check that works across installs.
 */
export class KernelsError extends Error {
  private readonly [MARKER] = true;

  /** True for an error of this package (any subclass, any installed copy). */
  static isInstance(value: unknown): value is KernelsError {
    return typeof value === 'object' && value !== null && MARKER in value;
  }
}

/**
 * An option of a kernel outside what it accepts (an AdamW hyperparameter, a clip norm, a loss
 * temperature or clip range, a workgroup or chunk size); the message names the kernel and the option.
 */
export class KernelOptionError extends KernelsError {
  override readonly name = 'KernelOptionError';
}

/**
 * The global gradient norm is NaN or ±∞ (a non-finite gradient, or f32 overflow of the sum of
 * squares): training has diverged. Thrown before anything is scaled or stepped, so the weights and
 * optimizer state are still those of the last good step.
 */
export class NonFiniteGradientError extends KernelsError {
  override readonly name = 'NonFiniteGradientError';
  private readonly [NON_FINITE_GRADIENT] = true;

  /** True for a NonFiniteGradientError from any installed copy of this package. */
  static override isInstance(value: unknown): value is NonFiniteGradientError {
    return typeof value === 'object' && value !== null && NON_FINITE_GRADIENT in value;
  }
}

/** Error thrown by the plain-loop references for bad input; the message names the argument and what was expected. */
export class KernelReferenceError extends KernelsError {
  /** The argument at fault, e.g. `"ids[3]"` or `"q"`. */
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`);
    this.name = 'KernelReferenceError';
    this.argument = argument;
  }
}
