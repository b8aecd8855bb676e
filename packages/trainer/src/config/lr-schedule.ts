/**
 * The learning-rate schedule of `optim`, with Hugging Face's conventions (what TRL users get from
 * `get_constant_schedule_with_warmup` / `get_cosine_schedule_with_warmup`) and verl's `min_lr_ratio`:
 * with s = step − 1 optimizer steps already taken, w warm-up steps (warmupSteps, else
 * ⌈warmupRatio · T⌉ as HF's `get_warmup_steps`) and T = maxSteps,
 *   warm-up (s < w):  lr · s / w                              (so the very first step runs at lr 0 when w > 0, as in HF)
 *   constant:         lr
 *   cosine:           lr · (r + (1 − r) · ½(1 + cos(π · (s − w) / (T − w))))   with r = minLrRatio.
 */
import { TrainerError } from '../errors.js';
import type { TrainConfig } from './schema.js';

/** The learning rate of the 1-based RL step `step` of a run of `maxSteps` steps. */
export function learningRateAt(optim: TrainConfig['optim'], step: number, maxSteps: number): number {
  if (!Number.isInteger(step) || step < 1) {
    throw new TrainerError(`learningRateAt: step must be an integer ≥ 1 (steps are 1-based), got ${step}`);
  }
  if (!Number.isInteger(maxSteps) || maxSteps < 1) {
    throw new TrainerError(`learningRateAt: maxSteps must be an integer ≥ 1, got ${maxSteps}`);
  }
  const s = step - 1;
  const w = optim.warmupSteps > 0 ? optim.warmupSteps : Math.ceil(optim.warmupRatio * maxSteps);
  if (s < w) return (optim.lr * s) / w;
  if (optim.schedule === 'constant') return optim.lr;
  const progress = Math.min(1, (s - w) / Math.max(1, maxSteps - w));
  const r = optim.minLrRatio;
  return optim.lr * (r + (1 - r) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
