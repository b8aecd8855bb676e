/**
 * Groups whose responses all got the same reward c that is neither 0 nor 1 (Countdown: every answer
 * well formatted and wrong, all 0.1). With raw rewards such a group has rᵢ − ρ̂ = 0, so a centred
 * weighting gives it no advantage; binarized (a reward ≥ 1 is a success) it is an unsolved group that
 * an asymmetric weighting pushes down with −h(0) per response. These helpers count such groups and
 * word the one warning a run prints when raw rewards silently drop that push.
 */
import { groupAdvantages, type Weighting, type ZeroVarianceMode } from '@rlvr/weights';

/** The common reward of each group whose rewards are all one value other than 0 and 1, in group order. */
export function flatNonBinaryValues(rewards: ArrayLike<number>, groupSize: number): number[] {
  const values: number[] = [];
  for (let start = 0; start + groupSize <= rewards.length; start += groupSize) {
    const first = rewards[start]!;
    if (first === 0 || first === 1) continue;
    let same = true;
    for (let i = start + 1; i < start + groupSize && same; i++) same = rewards[i] === first;
    if (same) values.push(first);
  }
  return values;
}

/**
 * How many of the flat groups with rewards `values` get no advantage from raw rewards although the
 * same group binarized at 1 would get one, under `weighting` and `zeroVariance` (e.g. Linear-R's −1
 * for an all-0.1 group; nothing for GRPO, whose h(0) = 0).
 */
export function lostPushCount(
  values: readonly number[],
  groupSize: number,
  weighting: Weighting | string,
  zeroVariance: ZeroVarianceMode,
): number {
  const lost = new Map<number, boolean>();
  let count = 0;
  for (const value of values) {
    let isLost = lost.get(value);
    if (isLost === undefined) {
      const group = new Array<number>(groupSize).fill(value);
      const raw = groupAdvantages(group, groupSize, weighting, { zeroVariance });
      const binary = groupAdvantages(group, groupSize, weighting, { zeroVariance, binarizeThreshold: 1 });
      isLost = raw.every((a) => a === 0) && binary.some((a) => a !== 0);
      lost.set(value, isLost);
    }
    if (isLost) count++;
  }
  return count;
}

/**
 * A per-step callback that writes one warning line, the first time a step reports groups whose push
 * raw rewards dropped, and nothing after: the cause is the configuration, so once per run is enough.
 */
export function lostPushWarner(
  weightingName: string,
  log: (line: string) => void,
): (step: number, lostGroups: number) => void {
  let warned = false;
  return (step, lostGroups) => {
    if (warned || lostGroups === 0) return;
    warned = true;
    log(
      `warning: step ${step}: ${lostGroups} group${lostGroups === 1 ? '' : 's'} got the same non-binary reward on every response ` +
        `(e.g. all 0.1: well formatted, all wrong), so with raw rewards (weighting.binarize: null) ${weightingName} gave ` +
        `${lostGroups === 1 ? 'it' : 'them'} no advantage instead of the push an unsolved group gets. ` +
        `Set weighting.binarize: 1 (--binarize 1) to count only rewards ≥ 1 as successes.`,
    );
  };
}
