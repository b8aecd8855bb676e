/**
 * The reference PG loss (pgLossFromLogits' composition) on rows whose log-softmax is already done: the
 * engines' way to run a loss over the rows' logprobs and entropies alone (the cpu engines always; the
 * WebGPU and compiled engines for the options their fused kernels lack, see `referenceOnlyOption`).
 * Its "backward" keeps the rows' upstream gradients, times `scale`, for the engine's own backward.
 */
import type { LogSoftmaxOps, PgLossInputs, PgLossLogitsOptions, PgLossLogitsResult } from './loss.shared.js';
import { pgLossFromLogits } from './pg-loss-logits.reference.js';

/** The d loss/d (logprob, entropy) of each row, times the loss scale. */
export interface RowUpstream {
  gLogprob: Float32Array;
  gEntropy: Float32Array;
}

/** The loss and statistics over `rows` (logprob and entropy per row) and the rows' upstream gradients times `scale`. */
export function rowPolicyLoss(
  rows: { logprob: Float32Array; entropy: Float32Array },
  targets: Int32Array,
  inputs: Omit<PgLossInputs, 'logp'>,
  options: PgLossLogitsOptions,
  scale: number,
): { stats: PgLossLogitsResult<Float32Array>; upstream: RowUpstream } {
  let upstream: RowUpstream | undefined;
  const rowOps: LogSoftmaxOps<Float32Array> = {
    forward: () => rows,
    backward: (_logits, _targets, gLogprob, gEntropy) => {
      const n = rows.logprob.length;
      upstream = {
        gLogprob: Float32Array.from({ length: n }, (_, i) => (gLogprob ? gLogprob[i]! : 0) * scale),
        gEntropy: Float32Array.from({ length: n }, (_, i) => (gEntropy ? gEntropy[i]! : 0) * scale),
      };
      return new Float32Array(0);
    },
  };
  const stats = pgLossFromLogits(new Float32Array(0), targets, inputs, options, rowOps);
  return { stats, upstream: upstream! };
}
