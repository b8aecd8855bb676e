/**
 * Gradient of the mean next-token cross-entropy with respect to the logits, the loss of a plain
 * language-model training step (the train-step benchmark's): for tokens [batch, seq] and logits
 * [batch, seq, vocab], position s < seq − 1 predicts tokens[s + 1], and
 *   dlogits[b, s, :] = (softmax(logits[b, s, :]) − onehot(tokens[b, s + 1])) / (batch·(seq − 1)),
 * with the last position of each sequence 0 (it predicts nothing). No padding mask: every position counts.
 * The softmax (the whole cost: one exp per logit) runs through ORT ({@link OrtSoftmax}), already
 * scaled by 1/count; JS only fixes the target entries and the last positions.
 */
import type { OrtSoftmax } from '../cpu/ort-softmax.js';
import { SoftmaxError } from '../cpu/ort-softmax.js';

/** Writes the mean next-token cross-entropy's dlogits into `d` (same layout as logits, not overlapping it); returns d. */
export async function nextTokenCrossEntropyGradInto(
  softmax: OrtSoftmax,
  logits: Float32Array,
  tokens: Int32Array,
  batch: number,
  seq: number,
  vocab: number,
  d: Float32Array,
): Promise<Float32Array> {
  if (tokens.length !== batch * seq) throw new SoftmaxError(`crossEntropy: tokens has ${tokens.length} values, expected batch ${batch} × seq ${seq}`);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!(t >= 0 && t < vocab)) throw new SoftmaxError(`crossEntropy: tokens[${i}] = ${t} is outside the vocabulary [0, ${vocab})`);
  }
  const count = batch * (seq - 1);
  if (count <= 0) {
    // No position predicts anything: the (empty) mean has zero gradient.
    if (d.length !== logits.length) throw new SoftmaxError(`crossEntropy: d has ${d.length} values, expected ${logits.length}`);
    return d.fill(0);
  }
  await softmax.softmax(logits, batch * seq, vocab, 1 / count, d);
  const inv = 1 / count;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s + 1 < seq; s++) {
      const t = (b * seq + s) * vocab + tokens[b * seq + s + 1]!;
      d[t] = d[t]! - inv;
    }
    const last = (b * seq + seq - 1) * vocab;
    d.fill(0, last, last + vocab);
  }
  return d;
}
