import { describe, expect, it } from '@jest/globals';
import { seededFloats } from '@rlvr/core';
import { GRADIENT_TOLERANCE, centralDifference, gradientError, toF64 } from '../reference/finite-difference.js';
import { KernelReferenceError } from '../errors.js';
import { entropyQuantile, klEstimate, pgLoss } from './pg-loss.reference.js';
import { type PgLossOptions, referenceOnlyOption } from './loss.shared.js';
import { PG_LOSS_CASES, pgLossCaseInputs } from './pg-loss.cases.js';

const EPS = { epsLow: 0.2, epsHigh: 0.28 } as const;
const f64 = (...xs: number[]): Float64Array => Float64Array.from(xs);

describe('GSPO: one ratio per sequence (importanceLevel sequence)', () => {
  // Two sequences, seqLen 2: b0 has log ratios 0.1, 0.3 (mean 0.2, s0 = e^0.2 = 1.2214, inside
  // [0.8, 1.28]); b1 has one token, log ratio 0.5 (s1 = e^0.5 = 1.6487, clipped at 1.28 for A > 0).
  const old = f64(-1, -1, -1, -1);
  const logp = f64(-0.9, -0.7, -0.5, 0);
  const mask = f64(1, 1, 1, 0);
  const advantages = f64(1, 1, 1, 1);
  const o: PgLossOptions = { ...EPS, batch: 2, seqLen: 2, beta: 0, aggregation: 'token-mean', importanceLevel: 'sequence' };

  it('token-mean over 3 tokens: loss (−2·e^0.2 − 1.28)/3; b0 tokens each get (s0/T0)·Σ tw·(−A) = −e^0.2/3, b1 none', () => {
    const r = pgLoss({ logp, oldLogp: old, advantages, mask }, o);
    const s0 = Math.exp(0.2); // 1.2214027581601699
    expect(r.loss).toBeCloseTo((-2 * s0 - 1.28) / 3, 14);
    expect(r.gradLogp[0]).toBeCloseTo(-s0 / 3, 14);
    expect(r.gradLogp[1]).toBeCloseTo(-s0 / 3, 14);
    expect(r.gradLogp[2]).toBe(0);
    expect(r.gradLogp[3]).toBe(0);
    // The clip statistics count tokens: b1's one token is clipped above.
    expect(r.clipFraction).toBeCloseTo(1 / 3, 15);
    expect(r.clipHighFraction).toBeCloseTo(1 / 3, 15);
    expect(r.clipRegionFraction).toBeCloseTo(1 / 3, 15);
    // Token level differs: b0's tokens carry their own ratios e^0.1 and e^0.3 = 1.35 (clipped above).
    const token = pgLoss({ logp, oldLogp: old, advantages, mask }, { ...o, importanceLevel: 'token' });
    expect(token.gradLogp[0]).toBeCloseTo(-Math.exp(0.1) / 3, 14);
    expect(token.gradLogp[1]).toBe(0);
    expect(token.clipFraction).toBeCloseTo(2 / 3, 15);
  });

  it('on-policy: s = 1 and each token of b gets (1/T_b)·Σ_t tw_t·(−A_t) (per-token advantages mixed in the sequence)', () => {
    const a = f64(2, -1, 3, 0);
    const r = pgLoss({ logp, oldLogp: null, advantages: a, mask }, { ...o, aggregation: 'seq-mean-token-mean' });
    // seq-mean-token-mean, B' = 2: tw = 1/4 on b0's tokens, 1/2 on b1's.
    expect(r.loss).toBeCloseTo((-(2 - 1) / 2 - 3) / 2, 14);
    expect(r.gradLogp[0]).toBeCloseTo(((1 / 4) * -2 + (1 / 4) * 1) / 2, 14);
    expect(r.gradLogp[1]).toBeCloseTo(r.gradLogp[0]!, 15);
    expect(r.gradLogp[2]).toBeCloseTo(-3 / 2, 14);
  });
});

describe('dual clip (clipRatioC, verl clip_ratio_c = 3)', () => {
  // One token each, old −1, clip range [0.8, 1.28].
  const one = (r: number, a: number, c: number | null) =>
    pgLoss({ logp: f64(-1 + Math.log(r)), oldLogp: f64(-1), advantages: f64(a), mask: f64(1) }, { ...EPS, batch: 1, seqLen: 1, beta: 0, aggregation: 'token-mean', clipRatioC: c });
  it('A = −1, r = 4: max(4, 1.28) = 4 is capped at −c·A = 3, gradient 0', () => {
    const r = one(4, -1, 3);
    expect(r.loss).toBeCloseTo(3, 14);
    expect(r.gradLogp[0]).toBe(0);
    expect(r.clipFraction).toBe(1);
    expect(one(4, -1, null).loss).toBeCloseTo(4, 14);
    expect(one(4, -1, null).gradLogp[0]).toBeCloseTo(4, 14); // −A·r without the dual clip
  });
  it('A = −1, r = 2: below c, unchanged (loss 2, gradient −A·r = 2); A > 0 never dual-clipped', () => {
    expect(one(2, -1, 3).loss).toBeCloseTo(2, 14);
    expect(one(2, -1, 3).gradLogp[0]).toBeCloseTo(2, 14);
    expect(one(4, 1, 3).loss).toBeCloseTo(-1.28, 14);
  });
  it('rejects c ≤ 1', () => {
    expect(() => one(1, 1, 1)).toThrow(/clipRatioC: expected c > 1, got 1/);
  });
});

describe('KL estimators k2 and low-var-kl (one token, r = 1, A = 0, logp = −1, β = 0.1)', () => {
  const run = (ref: number, kl: PgLossOptions['kl']) =>
    pgLoss({ logp: f64(-1), oldLogp: f64(-1), advantages: f64(0), mask: f64(1), refLogp: f64(ref) }, { ...EPS, batch: 1, seqLen: 1, beta: 0.1, kl, aggregation: 'token-mean' });
  it('k2 = ½(logp − ref)² = ½·0.25 = 0.125 at ref −1.5; gradient β(logp − ref) = 0.05', () => {
    const r = run(-1.5, 'k2');
    expect(r.klMean).toBeCloseTo(0.125, 15);
    expect(r.loss).toBeCloseTo(0.0125, 15);
    expect(r.gradLogp[0]).toBeCloseTo(0.05, 15);
  });
  it('low-var-kl equals k3 inside the clamp; at ref = 2 (δ = 3) k3 = e³ − 4 = 16.09 is clamped to 10 with zero gradient', () => {
    expect(run(-1.5, 'low-var-kl')).toEqual(run(-1.5, 'k3'));
    const k3 = run(2, 'k3');
    expect(k3.klMean).toBeCloseTo(Math.exp(3) - 4, 12); // 16.085536923187668
    const clamped = run(2, 'low-var-kl');
    expect(clamped.klMean).toBe(10);
    expect(clamped.loss).toBeCloseTo(1, 15);
    expect(clamped.gradLogp[0]).toBe(0);
  });
});

describe('IS weight modes (tisMode) with cap C = 1.5', () => {
  // Two sequences of two on-policy tokens (r = 1), A = 1, old = −1 (pg = −1, so ℓ = −w):
  //   b0: old − sampler = 0.5, −0.8  → token ratios e^0.5 = 1.6487, e^−0.8 = 0.4493; sum −0.3 → e^−0.3 = 0.7408
  //   b1: old − sampler = 0.5, 0.2   → token ratios 1.6487, e^0.2 = 1.2214;         sum 0.7  → e^0.7 = 2.0138
  const inputs = { logp: f64(-1, -1, -1, -1), oldLogp: f64(-1, -1, -1, -1), advantages: f64(1, 1, 1, 1), mask: f64(1, 1, 1, 1), samplerLogp: f64(-1.5, -0.2, -1.5, -1.2) };
  const weights = (tisMode: PgLossOptions['tisMode']): number[] => {
    const r = pgLoss(inputs, { ...EPS, batch: 2, seqLen: 2, beta: 0, aggregation: 'seq-mean-token-sum', tisCap: 1.5, tisMode });
    // seq-mean-token-sum: tw = 1/2, and the gradient of each token is tw·w·(−A)·r = −w/2.
    return Array.from(r.gradLogp, (g) => -2 * g);
  };
  const [e05, em08, e02, em03, e07] = [Math.exp(0.5), Math.exp(-0.8), Math.exp(0.2), Math.exp(-0.3), Math.exp(0.7)];
  it.each([
    ['token-truncate', [1.5, em08, 1.5, e02]],
    ['token-mask', [0, em08, 0, e02]],
    ['sequence-truncate', [em03, em03, 1.5, 1.5]],
    ['sequence-mask', [em03, em03, 0, 0]],
  ] as const)('%s', (mode, expected) => {
    expect(e05).toBeGreaterThan(1.5);
    expect(e07).toBeGreaterThan(1.5);
    weights(mode).forEach((w, i) => expect(w).toBeCloseTo(expected[i]!, 14));
  });
});

describe('top-entropy token mask (topEntropyQuantile ρ = 0.4)', () => {
  // Five loss tokens with entropies 0.1, 0.5, 0.9, 1.3, 2.0 and a masked token of entropy 100 (not
  // counted). The (1 − ρ) = 0.6 quantile sits at position 0.6·4 = 2.4: 0.9 + 0.4·(1.3 − 0.9) = 1.06,
  // so only the tokens of entropy 1.3 and 2.0 keep their surrogate; the KL term stays on every token.
  const entropy = f64(0.1, 0.5, 0.9, 1.3, 2.0, 100);
  const mask = f64(1, 1, 1, 1, 1, 0);
  it('the quantile interpolates linearly between order statistics', () => {
    expect(entropyQuantile(entropy, mask, 0.6)).toBeCloseTo(1.06, 15);
    expect(entropyQuantile(entropy, mask, 0)).toBe(0.1);
    expect(entropyQuantile(entropy, mask, 1)).toBe(2.0);
  });
  it('token-mean: loss −2/5 from the two kept tokens plus β·k1 on all five; gradients −1/5 kept, 0 surrogate elsewhere', () => {
    const lp = f64(-1, -1, -1, -1, -1, -1);
    const r = pgLoss(
      { logp: lp, oldLogp: null, advantages: f64(1, 1, 1, 1, 1, 1), mask, entropy, refLogp: f64(-1.5, -1.5, -1.5, -1.5, -1.5, -1.5) },
      { ...EPS, batch: 1, seqLen: 6, beta: 0.1, kl: 'k1', aggregation: 'token-mean', topEntropyQuantile: 0.4 },
    );
    expect(r.loss).toBeCloseTo((-2 + 5 * 0.1 * 0.5) / 5, 14);
    [0.1, 0.1, 0.1, -1 + 0.1, -1 + 0.1, 0].forEach((g, i) => expect(r.gradLogp[i]).toBeCloseTo(g / 5, 14));
  });
  it('needs the entropies, and 0 < ρ ≤ 1', () => {
    const inp = { logp: f64(-1), oldLogp: null, advantages: f64(1), mask: f64(1) };
    const o = { ...EPS, batch: 1, seqLen: 1, beta: 0, aggregation: 'token-mean' } as const;
    expect(() => pgLoss(inp, { ...o, topEntropyQuantile: 0.5 })).toThrow(KernelReferenceError);
    expect(() => pgLoss({ ...inp, entropy: f64(1) }, { ...o, topEntropyQuantile: 0 })).toThrow(/topEntropyQuantile: expected 0 < ρ ≤ 1, got 0/);
  });
});

describe('aggregation seq-mean-token-sum and the clip region fraction', () => {
  it('seq-mean-token-sum over lengths 3 and 1 (r = 1, A = 1, 2, 3 | 4): (−6 − 4)/2, every gradient −A/2', () => {
    const lp = f64(-0.5, -0.7, -0.9, -1.1, -1.3, -1.5);
    const r = pgLoss({ logp: lp, oldLogp: lp.slice(), advantages: f64(1, 2, 3, 4, 9, 9), mask: f64(1, 1, 1, 1, 0, 0) }, { ...EPS, batch: 2, seqLen: 3, beta: 0, aggregation: 'seq-mean-token-sum' });
    expect(r.loss).toBeCloseTo(-5, 14);
    [-0.5, -1, -1.5, -2, 0, 0].forEach((g, i) => expect(r.gradLogp[i]).toBeCloseTo(g, 14));
  });
  it('region counts ratios outside [0.8, 1.28] whatever the advantage: r = 1.1, 1.5, 0.5, 1.5, 0.5 → 4/5; low and high 1/5 each', () => {
    const ratios = [1.1, 1.5, 0.5, 1.5, 0.5];
    const r = pgLoss(
      { logp: Float64Array.from(ratios, (x) => -1 + Math.log(x)), oldLogp: f64(-1, -1, -1, -1, -1), advantages: f64(2, 1, -1, -1, 1), mask: f64(1, 1, 1, 1, 1) },
      { ...EPS, batch: 1, seqLen: 5, beta: 0, aggregation: 'token-mean' },
    );
    expect(r.clipRegionFraction).toBe(4 / 5);
    expect(r.clipLowFraction).toBe(1 / 5);
    expect(r.clipHighFraction).toBe(1 / 5);
  });
});

// Every variant on the shared cases' inputs (ragged sequences, an empty one, clipped ratios, −∞ padding).
const VARIANTS: [string, number, Partial<PgLossOptions>][] = [
  ['GSPO, token-mean, k3', 1, { importanceLevel: 'sequence' }],
  ['GSPO, seq-mean-token-mean, k1, empty sequence', 2, { importanceLevel: 'sequence' }],
  ['dual clip c = 1.5, many clipped tokens, token-mask IS', 4, { clipRatioC: 1.5, tisMode: 'token-mask' }],
  ['k2 + sequence-truncate IS, seq-mean-token-sum-norm', 3, { kl: 'k2', tisMode: 'sequence-truncate' }],
  ['low-var-kl + sequence-mask IS + top-entropy 0.5 + GSPO', 3, { kl: 'low-var-kl', tisMode: 'sequence-mask', topEntropyQuantile: 0.5, importanceLevel: 'sequence' }],
  ['seq-mean-token-sum, top-entropy 0.3, dual clip 2', 1, { aggregation: 'seq-mean-token-sum', topEntropyQuantile: 0.3, clipRatioC: 2 }],
];

describe('variants on the case table: gradient wrt logp matches central differences of the loss', () => {
  it.each(VARIANTS)('%s', (_name, index, extra) => {
    const c = PG_LOSS_CASES[index]!;
    const o: PgLossOptions = { ...c.options, ...extra };
    expect(referenceOnlyOption(o)).not.toBeNull();
    const inp = pgLossCaseInputs(c);
    const n = o.batch * o.seqLen;
    const rest = {
      oldLogp: toF64(inp.oldLogp),
      advantages: toF64(inp.advantages),
      mask: inp.mask,
      refLogp: inp.refLogp && toF64(inp.refLogp),
      samplerLogp: inp.samplerLogp && toF64(inp.samplerLogp),
      entropy: Float64Array.from(seededFloats(c.seed * 9 + 5, n, 1), (u) => 1.5 + u),
    };
    const logp = toF64(inp.logp);
    const r = pgLoss({ ...rest, logp }, o);
    const fd = centralDifference((lp) => pgLoss({ ...rest, logp: lp }, o).loss, logp);
    expect(gradientError(r.gradLogp, fd).error).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
    expect(r.gradLogp.some((g) => g !== 0)).toBe(true);
  });
});

describe('klEstimate (one token, logp −1, ref −1.5)', () => {
  it.each([
    ['k1', 0.5, 1],
    ['k2', 0.125, 0.5],
    ['k3', Math.exp(-0.5) - 0.5, 1 - Math.exp(-0.5)],
    ['low-var-kl', Math.exp(-0.5) - 0.5, 1 - Math.exp(-0.5)],
  ] as const)('%s: value %p, derivative %p', (kl, value, derivative) => {
    const [k, dk] = klEstimate(kl, -1, -1.5);
    expect(k).toBeCloseTo(value, 15);
    expect(dk).toBeCloseTo(derivative, 15);
  });
});
