/**
 * The policy-gradient loss from logits, with its gradient wrt the logits: the composition that the
 * fused GPU loss kernel implements in one pass (log-softmax + gather → PG loss → backward to logits).
 *
 * logp, entropy = logSoftmaxGather(logits, targets); (loss_pg, dL/dlogp) = pgLoss(logp, …);
 * optional entropy bonus as in verl: L = loss_pg − entropyCoef · agg(entropy) with agg the same
 * aggregation weights as the loss (so dL/dH_t = −entropyCoef · weight_t); then
 * dlogits = logSoftmaxGatherBackward(logits, targets, dL/dlogp, dL/dH).
 * Layout: logits, dlogits [batch·seqLen, vocab]; targets and the PG inputs [batch, seqLen]. Targets at
 * unmasked positions must still be valid ids (use the pad id); their logits get zero gradient.
 */
import { type Floats, type Ints, at } from './common.js';
import { type LogSoftmaxDims, logSoftmaxGatherBackward, logSoftmaxGatherForward } from './log-softmax-gather.js';
import { type PgLossInputs, type PgLossOptions, type PgLossResult, aggregationWeights, pgLoss } from './pg-loss.js';

/** Options of {@link pgLossFromLogits}: the PG options plus vocabulary, temperature and entropy bonus. */
export interface PgLossLogitsOptions extends PgLossOptions {
  /** vocab_size. */
  vocab: number;
  /** Logits are divided by this (TRL uses the sampling temperature); default 1. */
  temperature?: number;
  /** Entropy bonus coefficient (verl `entropy_coeff`); default 0. */
  entropyCoef?: number;
}

/** Result of {@link pgLossFromLogits}: the PG result (loss includes the entropy term) plus logits gradient and entropy. */
export interface PgLossLogitsResult<T extends Floats> extends PgLossResult<T> {
  /** Masked token mean of the entropy. */
  entropyMean: number;
  /** Per-token logprobs that the loss used [batch, seqLen]. */
  logp: T;
  /** d loss / d logits [batch·seqLen, vocab]. */
  dlogits: T;
}

/** The log-softmax + gather pair {@link pgLossFromLogits} composes (the reference's by default; the cpu backend passes its f32 ones). */
export interface LogSoftmaxOps<T extends Floats> {
  forward(logits: T, targets: Ints, d: LogSoftmaxDims): { logprob: T; entropy: T };
  backward(logits: T, targets: Ints, gLogprob: Floats | null, gEntropy: Floats | null, d: LogSoftmaxDims): T;
}

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
  const r = pgLoss({ ...inputs, logp: logprob }, o);
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
