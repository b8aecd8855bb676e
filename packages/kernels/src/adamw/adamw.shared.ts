/**
 * What every AdamW implementation shares (reference, fast f32 CPU, WGSL): PyTorch's hyperparameter
 * names (defaults in the doc of each), and the argument check of the CPU steps.
 */
import { KernelReferenceError } from '../errors.js';
import { requireFinite, requireInt, requireLength } from '../arrays.js';

/** AdamW hyperparameters (PyTorch names). */
export interface AdamWOptions {
  /** Learning rate. */
  lr: number;
  /** β1 (first-moment decay), PyTorch default 0.9. */
  beta1: number;
  /** β2 (second-moment decay), PyTorch default 0.999. */
  beta2: number;
  /** Denominator guard, PyTorch default 1e-8. */
  eps: number;
  /** Decoupled weight decay, PyTorch AdamW default 1e-2. */
  weightDecay: number;
}

/** Throws (naming the argument) unless grad, m, v match param's length, step ≥ 1 and the hyperparameters are valid; shared with the fast f32 AdamW. */
export function checkAdamWArgs(
  param: ArrayLike<number>,
  grad: ArrayLike<number>,
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  step: number,
  o: AdamWOptions,
): void {
  requireLength('grad', grad, param.length, 'same as param');
  requireLength('m', m, param.length, 'same as param');
  requireLength('v', v, param.length, 'same as param');
  requireInt('step', step, 1);
  for (const [name, value] of Object.entries(o)) requireFinite(name, value as number);
  if (!(o.beta1 >= 0 && o.beta1 < 1)) throw new KernelReferenceError('beta1', `expected in [0, 1), got ${o.beta1}`);
  if (!(o.beta2 >= 0 && o.beta2 < 1)) throw new KernelReferenceError('beta2', `expected in [0, 1), got ${o.beta2}`);
}
