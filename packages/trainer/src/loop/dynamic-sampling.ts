/**
 * Dynamic sampling (DAPO; verl's `algorithm.filter_groups`): a group whose responses all have the same
 * reward (or the same correct verdict) is dropped, and further batches of prompts are sampled until
 * the step holds as many groups as it has prompts. Every response drawn counts, dropped and surplus
 * groups included, so the sampled-responses clock (effective time) pays for what the filter discards.
 * After `maxRounds` batches a step still short of groups stops the run with an error naming the knob,
 * as verl does; 0 rounds = no limit.
 */
import { TrainerError } from '../errors.js';
import { deriveSeed } from '../tasks/shuffle.js';
import { drawGroups, type GroupDraws } from './group-draws.js';
import type { RlStepContext, RlStepSettings, StepPrompt, StepScore } from './rl-step.js';

/** Which per-response value must differ within a group for it to be kept. */
export type FilterMetric = 'reward' | 'accuracy';

/** The dynamic-sampling settings of a step. */
export interface FilterGroupsSettings {
  metric: FilterMetric;
  /** Batches of prompts sampled at most (0 = unlimited). */
  maxRounds: number;
}

/** What dynamic sampling did in one step (logged per step). */
export interface FilterStats {
  /** Batches of prompts sampled. */
  rounds: number;
  /** Groups trained on (the step's prompt count). */
  groupsKept: number;
  /** Groups dropped because their metric was equal on every response. */
  groupsDropped: number;
  /** Groups that passed the filter after the batch was full (sampled, not trained). */
  groupsSurplus: number;
}

// Seed stream of the later batches, apart from the per-prompt redraws of group-draws.ts (small offsets).
const ROUND_STREAM = 0xd5a0_0000;

/** Whether the group's values of `metric` are all equal (such a group is dropped). */
export function flatGroup(scores: readonly StepScore[], metric: FilterMetric): boolean {
  const value = (x: StepScore): number => (metric === 'accuracy' ? (x.correct ? 1 : 0) : x.reward);
  const first = value(scores[0]!);
  return scores.every((x) => value(x) === first);
}

/**
 * Draw groups for `prompts`, then for `nextPrompts()` batches, keeping the groups whose metric varies,
 * until `prompts.length` groups are kept; the kept groups are renumbered 0… in the order they were drawn.
 */
export async function drawFilteredGroups(
  ctx: Pick<RlStepContext, 'sampler' | 'score'>,
  prompts: readonly StepPrompt[],
  nextPrompts: () => readonly StepPrompt[],
  s: RlStepSettings,
  filter: FilterGroupsSettings,
): Promise<GroupDraws & { filter: FilterStats }> {
  const M = s.groupSize;
  const target = prompts.length;
  const kept: GroupDraws = {
    rollouts: [],
    scores: [],
    responses: 0,
    completionTokens: 0,
    extraGroups: 0,
    sample: 0,
    verify: 0,
  };
  const stats: FilterStats = { rounds: 0, groupsKept: 0, groupsDropped: 0, groupsSurplus: 0 };
  let batch = prompts;
  for (;;) {
    const seed = stats.rounds === 0 ? s.seed : deriveSeed(s.seed, ROUND_STREAM + stats.rounds);
    const d = await drawGroups(ctx, batch, { ...s, seed });
    stats.rounds++;
    kept.responses += d.responses;
    kept.completionTokens += d.completionTokens;
    kept.extraGroups += d.extraGroups;
    kept.sample += d.sample;
    kept.verify += d.verify;
    for (let g = 0; g < batch.length; g++) {
      const scores = d.scores.slice(g * M, (g + 1) * M);
      if (flatGroup(scores, filter.metric)) {
        stats.groupsDropped++;
      } else if (stats.groupsKept === target) {
        stats.groupsSurplus++;
      } else {
        const promptIndex = stats.groupsKept++;
        kept.rollouts.push(...d.rollouts.slice(g * M, (g + 1) * M).map((r) => ({ ...r, promptIndex })));
        kept.scores.push(...scores);
      }
    }
    if (stats.groupsKept === target) return { ...kept, filter: stats };
    if (filter.maxRounds > 0 && stats.rounds >= filter.maxRounds) {
      throw new TrainerError(
        `dynamic sampling (sampling.filterGroups: ${filter.metric}) kept ${stats.groupsKept} of ${target} groups after ` +
          `${stats.rounds} batches of ${target} prompts (sampling.maxNumGenBatches = ${filter.maxRounds}): ` +
          `${stats.groupsDropped} groups had the same ${filter.metric} on all ${M} responses. Raise sampling.maxNumGenBatches ` +
          `(0 = no limit), sample larger groups (sampling.groupSize), or set sampling.filterGroups: off`,
      );
    }
    batch = nextPrompts();
  }
}
