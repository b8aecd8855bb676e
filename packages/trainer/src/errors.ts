/** Marker that survives duplicate installs of the package (see {@link TrainerError.isInstance}). */
const MARKER = Symbol.for('@rlvr/trainer/error');
/** Marker of {@link DivergenceError}, for the same reason. */
const DIVERGENCE = Symbol.for('@rlvr/trainer/error/divergence');

/**
 * The base of every error @rlvr/trainer throws on purpose (bad configs, datasets, checkpoints, metrics
 * files, runs that diverged, command-line errors), so a caller can tell them from other errors with one
 * check that works across installs.
 */
export class TrainerError extends Error {
  private readonly [MARKER] = true;

  /** True for an error of this package (any subclass, any installed copy). */
  static isInstance(value: unknown): value is TrainerError {
    return typeof value === 'object' && value !== null && MARKER in value;
  }
}

/**
 * Training diverged: a non-finite loss or gradient norm. The optimizer step that would have applied it
 * is refused where it can be (a non-finite loss, a non-finite norm when clipping), and no checkpoint is
 * written after it; the message names the step and the last checkpoint once the run has caught it.
 */
export class DivergenceError extends TrainerError {
  override readonly name = 'DivergenceError';
  private readonly [DIVERGENCE] = true;

  /** True for a DivergenceError from any installed copy of this package. */
  static override isInstance(value: unknown): value is DivergenceError {
    return typeof value === 'object' && value !== null && DIVERGENCE in value;
  }
}
