/** Marker that survives duplicate installs of the package (see {@link VerifierError.isInstance}). */
const MARKER = Symbol.for('@rlvr/verifiers/error');

/**
 * The error of @rlvr/verifiers for bad *configuration or references* (never for a bad completion,
 * which is a zero reward): it names the argument at fault and what was expected.
 */
export class VerifierError extends Error {
  /** What was wrong, e.g. `"reference.nums"` or `"verifier"`. */
  readonly argument: string;
  private readonly [MARKER] = true;

  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`);
    this.name = 'VerifierError';
    this.argument = argument;
  }

  /** True for a VerifierError from any copy of this package. */
  static isInstance(value: unknown): value is VerifierError {
    return typeof value === 'object' && value !== null && MARKER in value;
  }
}
