/**
 * The sampling and scoring phases of an RL step, with sampling until a group holds a success (paper
 * §3, effective time): a prompt whose group of M has no correct response is drawn again with a fresh
 * group, up to `maxGroups` groups in all, and the group trained on is the first that holds a success
 * or the last one drawn. Every response drawn counts, so the run's sampled-responses clock pays ≈ 1/ρ
 * samples per informative group, as `simulate`'s `until-success` mode does.
 */
import { deriveSeed } from '../tasks/shuffle.js';
import { TrainerError } from '../errors.js';
import type { RlStepContext, RlStepSettings, StepPrompt, StepRollout, StepScore } from './rl-step.js';

/** The trained groups of a step and what drawing them cost. */
export interface GroupDraws {
  /** One group of M per prompt, ordered by prompt then sample (`promptIndex` indexes the step's prompts). */
  rollouts: StepRollout[];
  scores: StepScore[];
  /** Every response drawn, the replaced groups included. */
  responses: number;
  /** Completion tokens of every response drawn. */
  completionTokens: number;
  /** Groups drawn beyond the first of each prompt. */
  extraGroups: number;
  /** Seconds spent sampling and scoring, over all rounds. */
  sample: number;
  verify: number;
}

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

/** Throw unless `rollouts` are `prompts` × M, ordered by prompt then sample. */
function checkOrder(rollouts: readonly StepRollout[], prompts: number, M: number): void {
  if (rollouts.length !== prompts * M) {
    throw new Error(`sampler returned ${rollouts.length} rollouts for ${prompts} prompts × ${M}`);
  }
  rollouts.forEach((r, i) => {
    if (r.promptIndex * M + r.sampleIndex !== i) {
      throw new Error(`sampler rollouts out of order at ${i} (prompt ${r.promptIndex}, sample ${r.sampleIndex})`);
    }
  });
}

/** Sample and score one group per prompt, drawing again for groups without a success (`s.maxGroups`, default 1). */
export async function drawGroups(
  ctx: Pick<RlStepContext, 'sampler' | 'score'>,
  prompts: readonly StepPrompt[],
  s: RlStepSettings,
): Promise<GroupDraws> {
  const M = s.groupSize;
  const maxGroups = s.maxGroups ?? 1;
  if (!Number.isInteger(maxGroups) || maxGroups < 1) {
    throw new TrainerError(`rlStep: maxGroups must be an integer ≥ 1, got ${maxGroups}`);
  }
  const rollouts: StepRollout[] = new Array<StepRollout>(prompts.length * M);
  const scores: StepScore[] = new Array<StepScore>(prompts.length * M);
  const out = { responses: 0, completionTokens: 0, extraGroups: 0, sample: 0, verify: 0 };
  let pending = prompts.map((_, i) => i);
  for (let round = 0; round < maxGroups && pending.length > 0; round++) {
    let t = process.hrtime.bigint();
    const drawn = await ctx.sampler.generate(
      pending.map((i) => prompts[i]!.ids),
      {
        groupSize: M,
        maxNewTokens: s.maxNewTokens,
        temperature: s.temperature,
        topP: s.topP,
        topK: s.topK,
        stop: s.stop,
        // Round 0 keeps the step's seed (one group per prompt is unchanged); later rounds get their own stream.
        seed: round === 0 ? s.seed : deriveSeed(s.seed, round),
      },
      pending.map((i) => prompts[i]!.reference),
    );
    checkOrder(drawn, pending.length, M);
    // A later round samples a subset: map its prompt indices back to the step's.
    const placed = round === 0 ? drawn : drawn.map((r) => ({ ...r, promptIndex: pending[r.promptIndex]! }));
    out.sample += seconds(t);

    t = process.hrtime.bigint();
    // Rollouts a worker scored where it sampled them carry their score.
    const drawnScores = placed.every((r) => r.score !== undefined)
      ? placed.map((r) => r.score!)
      : await ctx.score(
          placed,
          placed.map((r) => prompts[r.promptIndex]!.reference),
        );
    out.verify += seconds(t);

    placed.forEach((r, j) => {
      rollouts[r.promptIndex * M + r.sampleIndex] = r;
      scores[r.promptIndex * M + r.sampleIndex] = drawnScores[j]!;
      out.completionTokens += r.completionIds.length;
    });
    out.responses += placed.length;
    if (round > 0) out.extraGroups += pending.length;
    pending = pending.filter((p) => !scores.slice(p * M, (p + 1) * M).some((x) => x.correct));
  }
  return { rollouts, scores, ...out };
}
