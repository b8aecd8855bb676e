/**
 * The cpu backend's f32 log-softmax + gather (forward and backward) against the plain-loop f64
 * reference (itself checked by finite differences) on the reference's case table: −∞ masks, an all
 * −∞ row, ±1e4 logits, temperature, a Qwen-sized row. Tolerance per element: 4·2⁻²⁴·(1 + |z|) for
 * logprob/entropy (f32 inputs, f64 row sums; |z| the largest |logit/T| of the row, whose rounding the
 * subtraction z − lse exposes) and 8·2⁻²⁴·(|g|-weighted scale) for dlogits; any bug is O(1) off.
 */
import { LOG_SOFTMAX_CASES, logSoftmaxCaseInputs } from './log-softmax-gather.cases.js';
import { logSoftmaxGatherBackward, logSoftmaxGatherForward } from './log-softmax-gather.reference.js';
import { logSoftmaxGatherBackwardF32, logSoftmaxGatherF32 } from './log-softmax-gather.cpu.js';

const U = 2 ** -24;

describe('fast log-softmax + gather (f32) vs the f64 reference', () => {
  it.each(LOG_SOFTMAX_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { logits, targets, gLogprob, gEntropy } = logSoftmaxCaseInputs(c);
    const { tokens, vocab } = c.dims;
    const t = c.dims.temperature ?? 1;
    const ref = logSoftmaxGatherForward(Float64Array.from(logits), targets, c.dims);
    const got = logSoftmaxGatherF32(logits, targets, c.dims);
    const refD = logSoftmaxGatherBackward(Float64Array.from(logits), targets, Float64Array.from(gLogprob), Float64Array.from(gEntropy), c.dims);
    const gotD = logSoftmaxGatherBackwardF32(logits, targets, gLogprob, gEntropy, c.dims);
    for (let r = 0; r < tokens; r++) {
      let zmax = 0;
      for (let j = 0; j < vocab; j++) if (Number.isFinite(logits[r * vocab + j]!)) zmax = Math.max(zmax, Math.abs(logits[r * vocab + j]! / t));
      const tol = 4 * U * (1 + zmax) * Math.max(1, Math.log(vocab));
      if (ref.logprob[r] === -Infinity) expect(got.logprob[r]).toBe(-Infinity);
      else expect(Math.abs(got.logprob[r]! - ref.logprob[r]!)).toBeLessThanOrEqual(tol);
      expect(Math.abs(got.entropy[r]! - ref.entropy[r]!)).toBeLessThanOrEqual(tol);
      const scale = (Math.abs(gLogprob[r]!) + Math.abs(gEntropy[r]!) * (1 + zmax + Math.log(vocab))) / t;
      let worst = 0;
      for (let j = 0; j < vocab; j++) worst = Math.max(worst, Math.abs(gotD[r * vocab + j]! - refD[r * vocab + j]!));
      expect(worst).toBeLessThanOrEqual(8 * U * (1 + zmax) * scale + 1e-30);
    }
  });
});
