import { TrainerError } from '../errors.js';
import { deriveSeed, seededPermutation } from './shuffle.js';

/** Where a {@link PromptCursor} stands: JSON-serialisable, stored in checkpoints. */
export interface PromptCursorState {
  /** Passes over the training set completed. */
  epoch: number;
  /** Prompts of the current epoch already handed out. */
  position: number;
}

/**
 * The order in which training prompts are drawn: each epoch is a fresh seeded permutation of the
 * training set (seed derived from the run seed and the epoch), read front to back; a batch that
 * runs past the end continues into the next epoch. The state is two integers, so a checkpoint
 * restores the exact same sequence of batches.
 */
export class PromptCursor {
  readonly #size: number;
  readonly #seed: number;
  #epoch: number;
  #position: number;
  #order: Int32Array;

  /** A cursor over `size` prompts, seeded by `seed`, starting at `state` (default: the very beginning). */
  constructor(size: number, seed: number, state: PromptCursorState = { epoch: 0, position: 0 }) {
    if (!Number.isInteger(size) || size < 1) {
      throw new TrainerError(`PromptCursor: size must be an integer ≥ 1 (training prompts), got ${size}`);
    }
    if (
      !Number.isInteger(state.epoch) ||
      state.epoch < 0 ||
      !Number.isInteger(state.position) ||
      state.position < 0 ||
      state.position > size
    ) {
      throw new TrainerError(
        `PromptCursor: state ${JSON.stringify(state)} is not a position in a training set of ${size} prompts`,
      );
    }
    this.#size = size;
    this.#seed = seed;
    this.#epoch = state.epoch;
    this.#position = state.position;
    this.#order = seededPermutation(size, deriveSeed(seed, state.epoch));
  }

  /** The next `count` training indices. */
  next(count: number): number[] {
    const out: number[] = [];
    while (out.length < count) {
      if (this.#position === this.#size) {
        this.#epoch += 1;
        this.#position = 0;
        this.#order = seededPermutation(this.#size, deriveSeed(this.#seed, this.#epoch));
      }
      out.push(this.#order[this.#position++]!);
    }
    return out;
  }

  /** The current state (a copy). */
  state(): PromptCursorState {
    return { epoch: this.#epoch, position: this.#position };
  }
}
