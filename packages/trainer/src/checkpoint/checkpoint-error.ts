import { TrainerError } from '../errors.js';

/** A checkpoint that cannot be written or read (missing file, wrong format, inconsistent state). */
export class CheckpointError extends TrainerError {
  /** The checkpoint directory or file at fault. */
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'CheckpointError';
    this.path = path;
  }
}

/**
 * Refusal to checkpoint a NaN or ±∞ in the weights or optimizer moments: such a checkpoint would
 * poison every resume. Names the tensor, the flat index and the value; nothing is written.
 */
export class NonFiniteCheckpointError extends CheckpointError {
  /** The tensor holding the value, e.g. `weights/model.norm.weight` or `optimizer.m/lm_head.weight`. */
  readonly tensor: string;
  /** Flat index of the first non-finite element. */
  readonly index: number;

  constructor(step: number, tensor: string, index: number, value: number) {
    super(`step ${step}`, `refusing to write a checkpoint: ${tensor}[${index}] is ${value}`);
    this.name = 'NonFiniteCheckpointError';
    this.tensor = tensor;
    this.index = index;
  }
}
