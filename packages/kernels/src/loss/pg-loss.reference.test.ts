import { describe, expect, it } from '@jest/globals';
import { GRADIENT_TOLERANCE, centralDifference, gradientError, toF64 } from '../reference/finite-difference.js';
import { pgLoss } from './pg-loss.reference.js';
import { type PgLossOptions } from './loss.shared.js';
import { PG_LOSS_CASES, pgLossCaseInputs } from './pg-loss.cases.js';
import { KernelReferenceError } from '../errors.js';
import { pgLossFromLogits } from './pg-loss-logits.reference.js';

const EPS = { epsLow: 0.2, epsHigh: 0.28 } as const;
const f64 = (...xs: number[]): Float64Array => Float64Array.from(xs);

describe('policy-gradient loss reference: textbook cases', () => {
  // Five tokens of one sequence, old logprob −1 each, ε_low 0.2, ε_high 0.28 (clip range [0.8, 1.28]):
  //   1. r = 1.1, A =  2: inside the range     → pg = −min(2.2, 2.2)      = −2.2, dpg/dlogp = −A·r = −2.2
  //   2. r = 1.5, A =  1: clipped above         → pg = −min(1.5, 1.28)     = −1.28, gradient 0
  //   3. r = 0.5, A = −1: clipped below         → pg = −min(−0.5, −0.8)    =  0.8, gradient 0
  //   4. r = 1.5, A = −1: above range, A < 0    → pg = −min(−1.5, −1.28)   =  1.5, gradient −A·r = 1.5
  //   5. r = 0.5, A =  1: below range, A > 0    → pg = −min(0.5, 0.8)      = −0.5, gradient −0.5
  const ratios = [1.1, 1.5, 0.5, 1.5, 0.5];
  const old = f64(-1, -1, -1, -1, -1);
  const logp = Float64Array.from(ratios, (r) => -1 + Math.log(r));
  const advantages = f64(2, 1, -1, -1, 1);
  const mask = f64(1, 1, 1, 1, 1);

  it('clipped and unclipped tokens, token-mean: loss, gradient and clip fractions', () => {
    const r = pgLoss({ logp, oldLogp: old, advantages, mask }, { ...EPS, batch: 1, seqLen: 5, beta: 0, aggregation: 'token-mean' });
    expect(r.loss).toBeCloseTo((-2.2 - 1.28 + 0.8 + 1.5 - 0.5) / 5, 12);
    const expected = [-2.2 / 5, 0, 0, 1.5 / 5, -0.5 / 5];
    expected.forEach((g, i) => expect(r.gradLogp[i]).toBeCloseTo(g, 12));
    expect(r.gradLogp[1]).toBe(0); // clipped above: exactly zero, not merely small
    expect(r.gradLogp[2]).toBe(0); // clipped below
    expect(r.clipFraction).toBe(2 / 5);
    expect(r.clipHighFraction).toBe(1 / 5);
    expect(r.clipLowFraction).toBe(1 / 5);
    expect(r.klMean).toBe(0);
    expect(r.isWeightMean).toBe(1);
  });

  it('a token with A = 0 is never clipped, whatever its ratio (both terms tie; TRL and verl count it so)', () => {
    const zero = new Float64Array(5);
    const r = pgLoss({ logp, oldLogp: old, advantages: zero, mask }, { ...EPS, batch: 1, seqLen: 5, beta: 0, aggregation: 'token-mean' });
    expect(r.clipFraction).toBe(0);
    expect(r.clipLowFraction + r.clipHighFraction).toBe(0);
    // The ratios still lie outside the band where they do.
    expect(r.clipRegionFraction).toBe(4 / 5);
    // On-policy with some A = 0: still nothing clipped.
    const some = f64(2, 0, -1, 0, 1);
    expect(pgLoss({ logp, oldLogp: null, advantages: some, mask }, { ...EPS, batch: 1, seqLen: 5, beta: 0, aggregation: 'token-mean' }).clipFraction).toBe(0);
  });

  it('on-policy (oldLogp null): r = 1 at every token, so nothing clips and dpg/dlogp = −A; the IS weight uses logp', () => {
    const sampler = f64(-1.2, -1, -1, -1, -0.4);
    const o = { ...EPS, batch: 1, seqLen: 5, beta: 0, aggregation: 'token-mean', tisCap: 1.5 } as const;
    const r = pgLoss({ logp, oldLogp: null, advantages, mask, samplerLogp: sampler }, o);
    expect(r.clipFraction).toBe(0);
    // w_t = min(exp(logp_t − sampler_t), 1.5), held constant; pg = −A·w, gradient −A·w / 5.
    const w = Array.from(logp, (lp, i) => Math.min(Math.exp(lp - sampler[i]!), 1.5));
    expect(r.loss).toBeCloseTo(w.reduce((sum, wi, i) => sum - advantages[i]! * wi, 0) / 5, 14);
    w.forEach((wi, i) => expect(r.gradLogp[i]).toBeCloseTo((-advantages[i]! * wi) / 5, 14));
    // The same as passing the current logprobs as the old ones.
    expect(pgLoss({ logp, oldLogp: logp.slice(), advantages, mask, samplerLogp: sampler }, o)).toEqual(r);
  });

  describe('aggregation modes on sequences of lengths 3 and 1 (r = 1, A = [1, 2, 3 | 4], so pg = −A)', () => {
    const lp = f64(-0.5, -0.7, -0.9, -1.1, -1.3, -1.5);
    const inputs = { logp: lp, oldLogp: lp.slice(), advantages: f64(1, 2, 3, 4, 9, 9), mask: f64(1, 1, 1, 1, 0, 0) };
    const opts = (aggregation: PgLossOptions['aggregation'], normaliser?: number): PgLossOptions => ({
      ...EPS,
      batch: 2,
      seqLen: 3,
      beta: 0,
      aggregation,
      ...(normaliser === undefined ? {} : { normaliser }),
    });
    const check = (o: PgLossOptions, loss: number, grads: number[]): void => {
      const r = pgLoss(inputs, o);
      expect(r.loss).toBeCloseTo(loss, 14);
      grads.forEach((g, i) => expect(r.gradLogp[i]).toBeCloseTo(g, 14));
    };

    it('token-mean: Σ(−A)/4 tokens', () => check(opts('token-mean'), -(1 + 2 + 3 + 4) / 4, [-1 / 4, -2 / 4, -3 / 4, -4 / 4, 0, 0]));
    it('seq-mean-token-mean: mean(−6/3, −4/1)', () => check(opts('seq-mean-token-mean'), (-6 / 3 - 4 / 1) / 2, [-1 / 6, -2 / 6, -3 / 6, -4 / 2, 0, 0]));
    it('seq-mean-token-sum-norm N=4: (−6/4 − 4/4)/2', () => check(opts('seq-mean-token-sum-norm', 4), (-6 / 4 - 4 / 4) / 2, [-1 / 8, -2 / 8, -3 / 8, -4 / 8, 0, 0]));
    it('seq-mean-token-sum-norm default N = seqLen = 3', () => check(opts('seq-mean-token-sum-norm'), (-6 / 3 - 4 / 3) / 2, [-1 / 6, -2 / 6, -3 / 6, -4 / 6, 0, 0]));
  });

  describe('KL to the reference (one token, r = 1, A = 0, logp = −1, ref = −1.5, β = 0.1)', () => {
    const base = { logp: f64(-1), oldLogp: f64(-1), advantages: f64(0), mask: f64(1), refLogp: f64(-1.5) };
    it('k1 = logp − ref = 0.5; loss β·0.5; gradient β', () => {
      const r = pgLoss(base, { ...EPS, batch: 1, seqLen: 1, beta: 0.1, kl: 'k1', aggregation: 'token-mean' });
      expect(r.klMean).toBeCloseTo(0.5, 15);
      expect(r.loss).toBeCloseTo(0.05, 15);
      expect(r.gradLogp[0]).toBeCloseTo(0.1, 15);
    });
    it('k3 = e^δ − δ − 1 with δ = ref − logp = −0.5 → e^{−0.5} − 0.5; gradient β(1 − e^δ)', () => {
      const r = pgLoss(base, { ...EPS, batch: 1, seqLen: 1, beta: 0.1, kl: 'k3', aggregation: 'token-mean' });
      expect(r.klMean).toBeCloseTo(Math.exp(-0.5) - 0.5, 15); // 0.10653065971263342
      expect(r.loss).toBeCloseTo(0.1 * 0.10653065971263342, 15);
      expect(r.gradLogp[0]).toBeCloseTo(0.1 * (1 - Math.exp(-0.5)), 15); // 0.1 · 0.3934693402873666
    });
    it('k3 ≥ 0 and is 0 with zero gradient when logp = ref', () => {
      const r = pgLoss({ ...base, refLogp: f64(-1) }, { ...EPS, batch: 1, seqLen: 1, beta: 1, kl: 'k3', aggregation: 'token-mean' });
      expect(r.loss).toBe(0);
      expect(r.gradLogp[0]).toBe(0);
    });
  });

  it('truncated IS weight w = min(exp(old − sampler), C) multiplies the surrogate, not the KL', () => {
    // Two on-policy tokens (r = 1), A = 1, old = −1; sampler −1.5 → w = e^{0.5} = 1.6487…; sampler −2 → e^1 capped at C = 2.
    // k1 with ref = −1.5 → kl = 0.5 each, β = 0.1.
    const r = pgLoss(
      { logp: f64(-1, -1), oldLogp: f64(-1, -1), advantages: f64(1, 1), mask: f64(1, 1), refLogp: f64(-1.5, -1.5), samplerLogp: f64(-1.5, -2) },
      { ...EPS, batch: 1, seqLen: 2, beta: 0.1, kl: 'k1', tisCap: 2, aggregation: 'token-mean' },
    );
    const w1 = Math.exp(0.5); // 1.6487212707001282
    expect(r.loss).toBeCloseTo((w1 * -1 + 0.1 * 0.5 + 2 * -1 + 0.1 * 0.5) / 2, 14);
    expect(r.gradLogp[0]).toBeCloseTo((w1 * -1 + 0.1) / 2, 14);
    expect(r.gradLogp[1]).toBeCloseTo((2 * -1 + 0.1) / 2, 14);
    expect(r.isWeightMean).toBeCloseTo((w1 + 2) / 2, 14);
  });

  it('an empty batch gives loss 0 and zero gradient, never NaN', () => {
    const r = pgLoss({ logp: f64(-1, NaN), oldLogp: f64(-1, -1), advantages: f64(1, 1), mask: f64(0, 0) }, { ...EPS, batch: 2, seqLen: 1, beta: 0, aggregation: 'seq-mean-token-mean' });
    expect(r.loss).toBe(0);
    expect(Array.from(r.gradLogp)).toEqual([0, 0]);
    expect(r.clipFraction).toBe(0);
  });

  it('rejects β > 0 without reference logprobs, and TIS without its cap', () => {
    const inp = { logp: f64(-1), oldLogp: f64(-1), advantages: f64(1), mask: f64(1) };
    expect(() => pgLoss(inp, { ...EPS, batch: 1, seqLen: 1, beta: 0.1, aggregation: 'token-mean' })).toThrow(KernelReferenceError);
    expect(() => pgLoss({ ...inp, samplerLogp: f64(-1) }, { ...EPS, batch: 1, seqLen: 1, beta: 0, aggregation: 'token-mean' })).toThrow(/tisCap/);
  });
});

describe('policy-gradient loss reference: case table', () => {
  it.each(PG_LOSS_CASES.filter((c) => c.options.batch * c.options.seqLen <= 64).map((c) => [c.name, c] as const))('gradient wrt logp matches FD: %s', (_, c) => {
    const inp = pgLossCaseInputs(c);
    const rest = {
      oldLogp: toF64(inp.oldLogp),
      advantages: toF64(inp.advantages),
      mask: inp.mask,
      refLogp: inp.refLogp && toF64(inp.refLogp),
      samplerLogp: inp.samplerLogp && toF64(inp.samplerLogp),
    };
    const logp = toF64(inp.logp);
    const fd = centralDifference((lp) => pgLoss({ ...rest, logp: lp }, c.options).loss, logp);
    const r = pgLoss({ ...rest, logp }, c.options);
    expect(gradientError(r.gradLogp, fd).error).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
  });

  it.each(PG_LOSS_CASES.map((c) => [c.name, c] as const))('f32 run is finite, fractions in [0, 1]: %s', (_, c) => {
    const inp = pgLossCaseInputs(c);
    const r = pgLoss(inp, c.options);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(r.gradLogp.every(Number.isFinite)).toBe(true);
    for (const f of [r.clipFraction, r.clipLowFraction, r.clipHighFraction]) {
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThanOrEqual(1);
    }
    expect(r.clipLowFraction + r.clipHighFraction).toBeCloseTo(r.clipFraction, 12);
  });
});

describe('policy-gradient loss from logits (the fused kernel’s contract)', () => {
  it.each([0, 0.01])('dlogits matches FD of the whole loss (entropyCoef %p)', (entropyCoef) => {
    const batch = 2;
    const seqLen = 3;
    const vocab = 5;
    const n = batch * seqLen;
    const logits = Float64Array.from({ length: n * vocab }, (_, i) => Math.sin(1.7 * i) * 2);
    const targets = Int32Array.from({ length: n }, (_, i) => (3 * i) % vocab);
    const rest = {
      oldLogp: Float64Array.from({ length: n }, (_, i) => -1.6 + 0.1 * Math.cos(i)),
      advantages: Float64Array.from({ length: n }, (_, i) => Math.cos(2.3 * i)),
      mask: Float64Array.of(1, 1, 0, 1, 1, 1),
      refLogp: Float64Array.from({ length: n }, (_, i) => -1.5 + 0.2 * Math.sin(i)),
    };
    const o = { ...EPS, batch, seqLen, vocab, beta: 0.05, kl: 'k3' as const, aggregation: 'seq-mean-token-mean' as const, temperature: 0.9, entropyCoef };
    const r = pgLossFromLogits(logits, targets, rest, o);
    const fd = centralDifference((l) => pgLossFromLogits(l, targets, rest, o).loss, logits);
    expect(gradientError(r.dlogits, fd).error).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
    // The masked-out token (b=0, t=2) gets no gradient at all.
    expect(Array.from(r.dlogits.subarray(2 * vocab, 3 * vocab), (x) => x + 0)).toEqual([0, 0, 0, 0, 0]);
  });
});
