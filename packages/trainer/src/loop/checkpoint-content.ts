/**
 * What a checkpoint of the policy holds, taken with as few copies as the backend allows: on the cpu
 * backend the policy's own parameter and AdamW-moment arrays (`DecoderModel.liveTensors`), which the
 * checkpoint writer streams tensor by tensor, so a checkpoint adds no copy of the weights or moments;
 * elsewhere the backend's read-backs (copies).
 */
import type { NamedTensors } from '@rlvr/core';
import type { DecoderModel, OptimizerState } from '@rlvr/kernels';
import { CheckpointError, readOptimizerState, visitOptimizerState } from '../checkpoint/index.js';

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

/**
 * Restore the AdamW state of checkpoint `dir` into `policy`: read tensor by tensor straight into its own
 * moment arrays where it has them (one tensor's copy at a time), else as whole sets. Errors name the
 * checkpoint and the moment that is missing or of the wrong size.
 */
export async function restoreOptimizerState(policy: DecoderModel, dir: string): Promise<void> {
  const live = policy.liveTensors();
  if (!live) {
    await policy.setOptimizerState(readOptimizerState(dir));
    return;
  }
  const { m, v } = live.optimizerState;
  const read = new Set<string>();
  const step = visitOptimizerState(dir, (moment, name, tensor) => {
    const target = (moment === 'm' ? m : v)[name];
    if (!target || target.data.length !== tensor.data.length) {
      throw new CheckpointError(
        dir,
        `AdamW moment ${moment}.${name}: ${target ? `${tensor.data.length} values, the model's has ${target.data.length}` : 'the model has no such parameter'}`,
      );
    }
    target.data.set(tensor.data);
    read.add(`${moment}.${name}`);
  });
  const missing = [...Object.keys(m).map((n) => `m.${n}`), ...Object.keys(v).map((n) => `v.${n}`)].filter(
    (n) => !read.has(n),
  );
  if (missing.length > 0) throw new CheckpointError(dir, `AdamW moments missing: ${missing.join(', ')}`);
  // The model's own arrays, now holding the checkpoint's moments: the step count is set, nothing copied.
  await policy.setOptimizerState({ step, m, v });
}
