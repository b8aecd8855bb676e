/**
 * The cpu backend's next-token cross-entropy gradient (ORT softmax) against a closed form in f64,
 * (softmax − onehot)/count, itself checked against central finite differences of the f64 loss.
 * Tolerance: |fast − ref| ≤ 1e-6/count + 1e-6·|ref| (a few f32 ulps of each probability).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { OrtSoftmax, SoftmaxError } from '../cpu/ort-softmax.js';
import { SeededRandom } from '@rlvr/core';
import { nextTokenCrossEntropyGradInto } from './cross-entropy.js';

/** log Σ_j exp(x[o + j]) over one row of `vocab` values, shifted by the row max. */
function logSumExp(x: Float64Array, o: number, vocab: number): number {
  let m = -Infinity;
  for (let j = 0; j < vocab; j++) m = Math.max(m, x[o + j]!);
  let sum = 0;
  for (let j = 0; j < vocab; j++) sum += Math.exp(x[o + j]! - m);
  return m + Math.log(sum);
}

/** Mean next-token cross-entropy in f64. */
function loss(logits: Float64Array, tokens: Int32Array, batch: number, seq: number, vocab: number): number {
  let total = 0;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s + 1 < seq; s++) {
      const o = (b * seq + s) * vocab;
      total -= logits[o + tokens[b * seq + s + 1]!]! - logSumExp(logits, o, vocab);
    }
  }
  return total / (batch * (seq - 1));
}

/** (softmax − onehot)/count in f64, last positions 0. */
function closedForm(logits: Float64Array, tokens: Int32Array, batch: number, seq: number, vocab: number): Float64Array {
  const d = new Float64Array(logits.length);
  const count = batch * (seq - 1);
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s + 1 < seq; s++) {
      const o = (b * seq + s) * vocab;
      const lse = logSumExp(logits, o, vocab);
      for (let j = 0; j < vocab; j++) d[o + j] = Math.exp(logits[o + j]! - lse) / count;
      const t = o + tokens[b * seq + s + 1]!;
      d[t] = d[t]! - 1 / count;
    }
  }
  return d;
}

function inputs(batch: number, seq: number, vocab: number, mag: number, seed: number): { logits: Float32Array; tokens: Int32Array } {
  const rng = new SeededRandom(seed);
  const logits = new Float32Array(batch * seq * vocab);
  for (let i = 0; i < logits.length; i++) logits[i] = (rng.next() * 2 - 1) * mag;
  const tokens = new Int32Array(batch * seq);
  for (let i = 0; i < tokens.length; i++) tokens[i] = Math.floor(rng.next() * vocab);
  return { logits, tokens };
}

const sm = new OrtSoftmax({ threads: 2 });
afterAll(() => sm.dispose());

describe('nextTokenCrossEntropyGradInto', () => {
  it('the f64 closed form equals central finite differences of the loss (the reference is right)', () => {
    const [batch, seq, vocab] = [2, 3, 5];
    const { logits, tokens } = inputs(batch, seq, vocab, 2, 7);
    const x = Float64Array.from(logits);
    const d = closedForm(x, tokens, batch, seq, vocab);
    const h = 1e-5;
    for (let i = 0; i < x.length; i++) {
      const keep = x[i]!;
      x[i] = keep + h;
      const up = loss(x, tokens, batch, seq, vocab);
      x[i] = keep - h;
      const down = loss(x, tokens, batch, seq, vocab);
      x[i] = keep;
      expect(Math.abs((up - down) / (2 * h) - d[i]!)).toBeLessThanOrEqual(1e-8);
    }
  });

  it.each([
    ['batch 1, seq 2, vocab 1', 1, 2, 1, 1],
    ['batch 3, seq 7, vocab 33', 3, 7, 33, 4],
    ['batch 2, seq 5, vocab 2048', 2, 5, 2048, 8],
    ['batch 2, seq 4, vocab 17, huge logits (±3e3)', 2, 4, 17, 3e3],
  ])('%s matches the f64 closed form', async (_, batch, seq, vocab, mag) => {
    const { logits, tokens } = inputs(batch, seq, vocab, mag, batch * 31 + seq * 7 + vocab);
    const d = new Float32Array(logits.length).fill(NaN);
    await nextTokenCrossEntropyGradInto(sm, logits, tokens, batch, seq, vocab, d);
    const ref = closedForm(Float64Array.from(logits), tokens, batch, seq, vocab);
    const count = batch * (seq - 1);
    for (let i = 0; i < d.length; i++) expect(Math.abs(d[i]! - ref[i]!)).toBeLessThanOrEqual(1e-6 / count + 1e-6 * Math.abs(ref[i]!));
  });

  it('seq 1 (nothing to predict) gives zero gradient; out-of-vocabulary targets are refused', async () => {
    const d = new Float32Array(6).fill(NaN);
    await nextTokenCrossEntropyGradInto(sm, new Float32Array(6), Int32Array.of(0, 1), 2, 1, 3, d);
    expect(Array.from(d)).toEqual([0, 0, 0, 0, 0, 0]);
    await expect(nextTokenCrossEntropyGradInto(sm, new Float32Array(6), Int32Array.of(0, 3), 1, 2, 3, new Float32Array(6))).rejects.toThrow(/tokens\[1\] = 3/);
    await expect(nextTokenCrossEntropyGradInto(sm, new Float32Array(6), Int32Array.of(0), 1, 2, 3, new Float32Array(6))).rejects.toThrow(SoftmaxError);
  });
});
