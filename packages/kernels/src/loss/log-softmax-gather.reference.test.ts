import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { GRADIENT_TOLERANCE, centralDifference, gradientError, projection, toF64 } from '../reference/finite-difference.js';
import { logSoftmaxGatherBackward, logSoftmaxGatherForward } from './log-softmax-gather.reference.js';
import { LOG_SOFTMAX_CASES, logSoftmaxCaseInputs } from './log-softmax-gather.cases.js';

/** Σ a·logprob + b·entropy over tokens with a finite logprob (an all −∞ row is constant). */
function scalar(a: Float64Array, b: Float64Array, logprob: ArrayLike<number>, entropy: ArrayLike<number>): number {
  let s = 0;
  for (let t = 0; t < a.length; t++) {
    if (Number.isFinite(logprob[t] as number)) s += (a[t] as number) * (logprob[t] as number);
    s += (b[t] as number) * (entropy[t] as number);
  }
  return s;
}

describe('fused log-softmax + gather reference', () => {
  it('hand case: logits [0, ln 3], target 1 → logprob ln(3/4), entropy of (1/4, 3/4)', () => {
    const { logprob, entropy } = logSoftmaxGatherForward(Float64Array.of(0, Math.log(3)), [1], { tokens: 1, vocab: 2 });
    expect(logprob[0]).toBeCloseTo(Math.log(0.75), 15);
    expect(entropy[0]).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 15);
  });

  it('huge logits ±1e4 stay exact; −∞ entries get p = 0; an all −∞ row gives (−∞, 0, zero grad)', () => {
    const logits = Float32Array.of(1e4, 1e4 - Math.log(3), -1e4, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity);
    const { logprob, entropy } = logSoftmaxGatherForward(logits, [1, 0], { tokens: 2, vocab: 4 });
    expect(logprob[0]).toBeCloseTo(Math.log(0.25), 3); // f32 rounding of 1e4 − ln 3 costs ~5e-4
    expect(entropy[0]).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 3);
    expect(logprob[1]).toBe(-Infinity);
    expect(entropy[1]).toBe(0);
    const g = logSoftmaxGatherBackward(logits, [1, 0], Float32Array.of(1, 1), Float32Array.of(1, 1), { tokens: 2, vocab: 4 });
    expect(g.every(Number.isFinite)).toBe(true);
    expect(Array.from(g.subarray(3, 8), (x) => x + 0)).toEqual([0, 0, 0, 0, 0]); // + 0 folds −0
  });

  it.each(LOG_SOFTMAX_CASES.filter((c) => c.fd).map((c) => [c.name, c] as const))('backward matches FD: %s', (_, c) => {
    const inp = logSoftmaxCaseInputs(c);
    const logits = toF64(inp.logits);
    const a = projection(c.seed, c.dims.tokens);
    const b = projection(c.seed + 1000, c.dims.tokens);
    const huge = inp.logits.some((x) => Math.abs(x) >= 1e3 && Number.isFinite(x));
    const fd = centralDifference(
      (l) => {
        const r = logSoftmaxGatherForward(l, inp.targets, c.dims);
        return scalar(a, b, r.logprob, r.entropy);
      },
      logits,
      { absolute: huge },
    );
    const g = logSoftmaxGatherBackward(logits, inp.targets, a, b, c.dims);
    expect(gradientError(g, fd).error).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
  });

  it.each(LOG_SOFTMAX_CASES.map((c) => [c.name, c] as const))('f32 results are finite where defined: %s', (_, c) => {
    const { logits, targets, gLogprob, gEntropy } = logSoftmaxCaseInputs(c);
    const { logprob, entropy } = logSoftmaxGatherForward(logits, targets, c.dims);
    const g = logSoftmaxGatherBackward(logits, targets, gLogprob, gEntropy, c.dims);
    expect(entropy.every(Number.isFinite)).toBe(true);
    expect(g.every(Number.isFinite)).toBe(true);
    for (let t = 0; t < c.dims.tokens; t++) {
      const anyFinite = logits.subarray(t * c.dims.vocab, (t + 1) * c.dims.vocab).some(Number.isFinite);
      expect(Number.isFinite(logprob[t] as number)).toBe(anyFinite);
    }
  });

  it('property: log-softmax rows log-sum-exp to 0, and 0 ≤ entropy ≤ log V', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.constant(-Infinity)), { minLength: 1, maxLength: 40 }), (row) => {
        if (!row.some(Number.isFinite)) row[0] = 0;
        const V = row.length;
        const logits = Float64Array.from(row);
        // Log-sum-exp of the whole log-softmax row, via one gather per target.
        const targets = Array.from({ length: V }, (_, j) => j);
        const many = new Float64Array(V * V);
        for (let t = 0; t < V; t++) many.set(logits, t * V);
        const { logprob, entropy } = logSoftmaxGatherForward(many, targets, { tokens: V, vocab: V });
        let m = -Infinity;
        for (const lp of logprob) m = Math.max(m, lp);
        let s = 0;
        for (const lp of logprob) s += Math.exp(lp - m);
        const lse = m + Math.log(s);
        const h = entropy[0] as number;
        return Math.abs(lse) < 1e-12 && h >= -1e-12 && h <= Math.log(V) + 1e-12;
      }),
      { numRuns: 200 },
    );
  });

  it('temperature divides the logits (and the gradient)', () => {
    const l = Float64Array.of(0.3, -1.2, 2);
    const a = logSoftmaxGatherForward(l, [2], { tokens: 1, vocab: 3, temperature: 0.5 });
    const b = logSoftmaxGatherForward(
      l.map((x) => x / 0.5),
      [2],
      { tokens: 1, vocab: 3 },
    );
    expect(a.logprob[0]).toBeCloseTo(b.logprob[0] as number, 15);
    expect(a.entropy[0]).toBeCloseTo(b.entropy[0] as number, 15);
  });
});
