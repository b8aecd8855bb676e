/** Marker that survives duplicate installs of the package (checked by {@link WeightsError.isInstance}). */
const MARKER = Symbol.for('@rlvr/weights/error');

/**
 * The one error type of @rlvr/weights: thrown for bad input, it names the argument at fault and
 * says what was expected, so that a caller can point a user at the exact field.
 */
export class WeightsError extends Error {
  /** The argument or option that was wrong, e.g. `"groupSize"` or `"rewards[7]"`. */
  readonly argument: string;
  private readonly [MARKER] = true;

  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`);
    this.name = 'WeightsError';
    this.argument = argument;
  }

  /** True for a WeightsError from any copy of this package. */
  static isInstance(value: unknown): value is WeightsError {
    return typeof value === 'object' && value !== null && MARKER in value;
  }
}

/** Throw a {@link WeightsError} unless `value` is a finite number. */
export function requireFinite(argument: string, value: number): void {
  if (!Number.isFinite(value)) throw new WeightsError(argument, `expected a finite number, got ${value}`);
}

/** Throw unless `value` is an integer ≥ `min`. */
export function requireInteger(argument: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new WeightsError(argument, `expected an integer ≥ ${min}, got ${value}`);
  }
}

/** Throw unless `value` lies strictly between 0 and 1. */
export function requireOpenUnit(argument: string, value: number): void {
  if (!(value > 0 && value < 1)) {
    throw new WeightsError(argument, `expected a success probability strictly between 0 and 1, got ${value}`);
  }
}
