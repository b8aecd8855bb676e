/**
 * What a checkpoint of the policy holds, taken with as few copies as the backend allows: on the cpu
 * backend the policy's own parameter and AdamW-moment arrays (`DecoderModel.liveTensors`), which the
 * checkpoint writer streams tensor by tensor, so a checkpoint adds no copy of the weights or moments;
 * elsewhere the backend's read-backs (copies).
 */
import type { NamedTensors } from '@rlvr/core';
import type { DecoderModel, OptimizerState } from '@rlvr/kernels';

/** The tensors a checkpoint writes, and those the divergence guard checks before it is written. */
export interface CheckpointContent {
  /** The weights written: the policy's parameters, or a LoRA run's adapters. */
  weights: NamedTensors;
  optimizerState: OptimizerState;
  /** What must be finite and within the guard's limits for the checkpoint to be written: the weights written. */
  checked: NamedTensors;
}

/** The checkpoint content of `policy`; `adapters`: a LoRA run, which writes its adapters (PEFT's layout). */
export async function checkpointContent(policy: DecoderModel, adapters: boolean): Promise<CheckpointContent> {
  if (adapters) {
    // What is written is checked, not a merged copy of the whole weights (each step's sampler update checks those).
    const written = (await policy.adapters())!;
    return { weights: written, optimizerState: await policy.optimizerState(), checked: written };
  }
  const live = policy.liveTensors();
  const weights = live?.weights ?? (await policy.weights());
  return { weights, optimizerState: live?.optimizerState ?? (await policy.optimizerState()), checked: weights };
}
