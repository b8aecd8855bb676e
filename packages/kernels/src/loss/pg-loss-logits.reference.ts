/**
 * The policy-gradient loss from logits, with its gradient wrt the logits: the composition that the
 * fused GPU loss kernel implements in one pass (log-softmax + gather → PG loss → backward to logits).
 *
 * logp, entropy = logSoftmaxGather(logits, targets); (loss_pg, dL/dlogp) = pgLoss(logp, …);
 * the entropies go to the loss too (held constant) for its top-entropy mask;
 * optional entropy bonus as in verl: L = loss_pg − entropyCoef · agg(entropy) with agg the same
 * aggregation weights as the loss (so dL/dH_t = −entropyCoef · weight_t); then
 * dlogits = logSoftmaxGatherBackward(logits, targets, dL/dlogp, dL/dH).
 * Layout: logits, dlogits [batch·seqLen, vocab]; targets and the PG inputs [batch, seqLen]. Targets at
 * unmasked positions must still be valid ids (use the pad id); their logits get zero gradient.
 */
import { type Floats, type Ints, at } from '../arrays.js';
import { logSoftmaxGatherBackward, logSoftmaxGatherForward } from './log-softmax-gather.reference.js';
import { type PgLossInputs, aggregationWeights } from './loss.shared.js';
import { pgLoss } from './pg-loss.reference.js';
import type { LogSoftmaxOps, PgLossLogitsOptions, PgLossLogitsResult } from './loss.shared.js';

/** PG loss from logits with its gradient wrt the logits. */
export function pgLossFromLogits<T extends Floats>(
  logits: T,
  targets: Ints,
  inputs: Omit<PgLossInputs, 'logp'>,
  o: PgLossLogitsOptions,
  ops: LogSoftmaxOps<T> = { forward: logSoftmaxGatherForward, backward: logSoftmaxGatherBackward },
): PgLossLogitsResult<T> {
  const dims = { tokens: o.batch * o.seqLen, vocab: o.vocab, temperature: o.temperature ?? 1 };
  const { logprob, entropy } = ops.forward(logits, targets, dims);
  const r = pgLoss({ ...inputs, logp: logprob, entropy }, o);
  const coef = o.entropyCoef ?? 0;
  const weights = aggregationWeights(inputs.mask, o.batch, o.seqLen, o.aggregation, o.normaliser ?? o.seqLen);
  const gEntropy = new Float64Array(dims.tokens);
  let entropyAgg = 0;
  let entropySum = 0;
  let count = 0;
  for (let i = 0; i < dims.tokens; i++) {
    if (at(inputs.mask, i) === 0) continue;
    entropyAgg += at(weights, i) * at(entropy, i);
    entropySum += at(entropy, i);
    count++;
    gEntropy[i] = -coef * at(weights, i);
  }
  const dlogits = ops.backward(logits, targets, r.gradLogp, coef === 0 ? null : gEntropy, dims);
  return {
    ...r,
    loss: r.loss - coef * entropyAgg,
    entropyMean: count === 0 ? 0 : entropySum / count,
    logp: logprob,
    dlogits,
  };
}
