/**
 * Types shared by every decoder implementation (CPU op sets, WebGPU) and the backend-neutral model
 * interface: named tensors, one batch's checked inputs, the optimizer step's options and report.
 */
import type { AdamWOptions } from '../adamw/adamw.shared.js';
import type { Floats } from '../arrays.js';

/** One named tensor of kind T (Hugging Face name → shape and row-major data). */
export interface DecoderTensor<T extends Floats> {
  shape: number[];
  data: T;
}

/** Named tensors of kind T, keyed by Hugging Face parameter name. */
export type DecoderTensors<T extends Floats> = Record<string, DecoderTensor<T>>;

/** One forward's batch as every op set reads it: shape, checked ids and mask, positions from the mask. */
export interface ChainBatch {
  batch: number;
  seq: number;
  /** Token ids [batch, seq]. */
  ids: Int32Array;
  /** Mask [batch, seq], 1 = token, 0 = padding. */
  mask: Int32Array;
  /** RoPE position of each token (left padding starts each row at 0). */
  positions: Int32Array;
}

/** Per-parameter AdamW moments and the step counter. */
export interface AdamWState<T extends Floats> {
  /** Steps taken so far (the next step uses t = step + 1). */
  step: number;
  /** First moments, one per parameter name. */
  m: Record<string, T>;
  /** Second moments, one per parameter name. */
  v: Record<string, T>;
}

/** Options of a decoder's optimizer step: AdamW hyperparameters plus which parameters decay. */
export interface DecoderStepOptions extends AdamWOptions {
  /**
   * Apply weight decay to norms and biases too. Default false: HF Trainer's convention (decay only on
   * matrices), since decaying RMSNorm gains towards 0 shrinks activations for no regularising gain.
   */
  decayNormsAndBiases?: boolean;
  /**
   * Clip the global gradient L2 norm to this before the update (PyTorch's clip_grad_norm_, TRL/verl
   * `max_grad_norm`, in place on the gradients); undefined = no clipping (the norm is still reported).
   */
  maxGradNorm?: number;
}

/** What a decoder's optimizer step reports. */
export interface StepReport {
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** Factor the gradients were multiplied by (1 when not clipped). */
  clipScale: number;
}
