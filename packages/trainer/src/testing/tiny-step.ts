import { SamplerTokenizer } from '@rlvr/sampler';
import { tinyModel } from '@rlvr/sampler/testing';
import type { StepRollout, StepScore } from '../loop/rl-step.js';

/** The tiny sampler model (std 0.5, seed 4) that step tests train, and its tokenizer. */
export function tinyStepModel(): { tiny: ReturnType<typeof tinyModel>; tokenizer: SamplerTokenizer } {
  const tiny = tinyModel({ std: 0.5, seed: 4 });
  return {
    tiny,
    tokenizer: SamplerTokenizer.fromObjects(tiny.tokenizer.tokenizerJson, tiny.tokenizer.tokenizerConfig),
  };
}

/** Reward 1 for an even first completion token: a group's responses disagree, so a step has a gradient. */
export async function parityScore(rollouts: StepRollout[]): Promise<StepScore[]> {
  return rollouts.map((r) =>
    (r.completionIds[0] ?? 1) % 2 === 0 ? { reward: 1, correct: true } : { reward: 0, correct: false },
  );
}
