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

/** Marker of {@link DivisionByZeroError}, for the same reason. */
const DIVISION_BY_ZERO = Symbol.for('@rlvr/verifiers/error/division-by-zero');

/**
 * A zero denominator or divisor that reached MATH's exact rationals (`Rational.of(n, 0n)`,
 * `x.div(zero)`, `zero.inv()`, `zero.powInt(-k)`). Their callers check first, so it means a missed
 * check; the verifier still catches it like a size refusal (as it did the RangeError this replaces):
 * the completion scores 0 with a `too-complex:` reason, and nothing reaches the caller.
 */
export class DivisionByZeroError extends VerifierError {
  private readonly [DIVISION_BY_ZERO] = true;

  constructor(argument: string, message: string) {
    super(argument, message);
    this.name = 'DivisionByZeroError';
  }

  /** True for a DivisionByZeroError from any copy of this package. */
  static override isInstance(value: unknown): value is DivisionByZeroError {
    return typeof value === 'object' && value !== null && DIVISION_BY_ZERO in value;
  }
}
