/**
 * A run that learns nothing says so: when every group of several consecutive steps got a zero
 * advantage (no gradient, loss 0), the usual cause is a symmetric weighting on groups that are all
 * wrong or all right (GRPO on a base model that never solves a prompt: every ρ̂ = 0 and h(0) = 0).
 * One warning per run, naming the knobs that give such groups a signal or keep them out of the batch.
 */

/** Consecutive signal-free steps before the warning. */
export const NO_SIGNAL_STEPS = 3;

/** What the warner needs of a run's configuration. */
export interface NoSignalContext {
  weighting: string;
  binarize: number | null;
  filterGroups: string;
}

/**
 * A per-step callback (`step`, groups with a non-zero advantage, groups trained) that logs one
 * warning after {@link NO_SIGNAL_STEPS} consecutive steps without any signal, and nothing after it.
 */
export function noSignalWarner(
  context: NoSignalContext,
  log: (line: string) => void,
  steps = NO_SIGNAL_STEPS,
): (step: number, signalGroups: number, groups: number) => void {
  let run = 0;
  let warned = false;
  return (step, signalGroups, groups) => {
    run = signalGroups === 0 ? run + 1 : 0;
    if (warned || run < steps) return;
    warned = true;
    const knobs = [
      `an asymmetric weighting that pushes unsolved groups down (weighting.name linear-r or sqrt-r: h(0) > 0)`,
      ...(context.binarize === null
        ? ['weighting.binarize: 1 (groups of equal non-binary rewards, e.g. all 0.1, count as unsolved)']
        : []),
      ...(context.filterGroups === 'off'
        ? ['dynamic sampling (sampling.filterGroups: accuracy) to train only on groups with both outcomes']
        : []),
    ];
    log(
      `warning: steps ${step - run + 1}–${step}: none of the ${groups} groups per step got an advantage (loss 0, no update): ` +
        `${context.weighting} gives nothing to a group whose responses all score the same (all wrong, ρ̂ = 0, or all right), ` +
        `so the policy is not learning. To change it: ${knobs.join('; or ')}.`,
    );
  };
}
