/**
 * The RoPE frequency function against values worked out by hand (in Python's f64, from transformers'
 * published formulas) for a few dimensions of each variant, and the cos/sin tables' rounding and gain.
 */
import { ropeCosSin, ropeFrequencies, type RopeConfig } from './rope-frequencies.js';
import type { RopeScaling } from './config-rope.js';

const rope = (headDim: number, ropeTheta: number, ropeScaling: RopeScaling | null, maxPositionEmbeddings = 64): RopeConfig => ({
  headDim,
  ropeTheta,
  ropeScaling,
  maxPositionEmbeddings,
});

/** |a − b| ≤ 1e-12·|b|: f64 formulas evaluated in another order agree to a few ulps. */
function expectRel(actual: number | undefined, expected: number): void {
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(1e-12 * Math.abs(expected));
}

describe('ropeFrequencies', () => {
  it('plain: θ^(−2i/d) and no gain (d=4, θ=100 → 1, 0.1)', () => {
    const f = ropeFrequencies(rope(4, 100, null));
    expect(Array.from(f.invFreq)).toEqual([1, 0.1]);
    expect(f.attentionScaling).toBe(1);
  });

  it('linear: every frequency divided by factor', () => {
    const f = ropeFrequencies(rope(4, 100, { ropeType: 'linear', factor: 4 }));
    expectRel(f.invFreq[0], 0.25);
    expectRel(f.invFreq[1], 0.025);
    expect(f.attentionScaling).toBe(1);
  });

  it("llama3 with Llama-3.1-8B's parameters: kept above, blended in, divided below the band", () => {
    const s: RopeScaling = { ropeType: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 };
    const f = ropeFrequencies(rope(128, 500000, s, 131072));
    expect(f.invFreq.length).toBe(64);
    expect(f.attentionScaling).toBe(1);
    // i: wavelength 2π/f → expected (hand-computed).
    expectRel(f.invFreq[0], 1); // 6.28 < 8192/4: kept
    expectRel(f.invFreq[20], 0.016560440080994446); // 379: kept
    expectRel(f.invFreq[28], 0.003211445994752591); // 1956 < 2048: kept
    expectRel(f.invFreq[29], 0.002166570763503359); // 2402: blend, smooth 0.8036
    expectRel(f.invFreq[30], 0.0013718935677611381); // 2948: blend, smooth 0.5928
    expectRel(f.invFreq[34], 0.0001785078127679964); // 6695: blend, smooth 0.0745
    expectRel(f.invFreq[35], 9.556212353964683e-5); // 8219 > 8192: divided by 8
    expectRel(f.invFreq[63], 3.068925988914511e-7); // divided by 8
  });

  it('yarn: ramp between the beta_fast and beta_slow dimensions, gain 0.1·ln(factor) + 1', () => {
    // d=8, θ=1e4, original 64: correction dims floor(−0.497) → 0 and ceil(1.008) → 2, so dim 0 keeps
    // its frequency, dim 1 is half interpolated, dims 2 and 3 are divided by the factor.
    const f = ropeFrequencies(rope(8, 1e4, { ropeType: 'yarn', factor: 4 }, 64));
    expectRel(f.invFreq[0], 1);
    expectRel(f.invFreq[1], 0.1 * (0.5 + 0.5 / 4));
    expectRel(f.invFreq[2], 0.01 / 4);
    expectRel(f.invFreq[3], 0.001 / 4);
    expectRel(f.attentionScaling, 1.138629436111989);
  });

  it('yarn: attention_factor when given, else the mscale / mscale_all_dim ratio', () => {
    const given = ropeFrequencies(rope(8, 1e4, { ropeType: 'yarn', factor: 4, attentionFactor: 0.9 }));
    expect(given.attentionScaling).toBe(0.9);
    const ratio = ropeFrequencies(rope(8, 1e4, { ropeType: 'yarn', factor: 4, mscale: 1, mscaleAllDim: 0.707 }));
    expectRel(ratio.attentionScaling, 1.036992729910394);
  });

  it('yarn: original_max_position_embeddings and truncate move the ramp', () => {
    const wide = ropeFrequencies(rope(8, 1e4, { ropeType: 'yarn', factor: 4, originalMaxPositionEmbeddings: 64, truncate: false }, 256));
    // Untruncated, the ramp runs from 0 (clamped from −0.497) to 1.008, so dim 1 keeps a share 1 − 1/1.008 of its frequency.
    const high = (8 * Math.log(64 / (2 * Math.PI))) / (2 * Math.log(1e4));
    const keep = 1 - 1 / high;
    expectRel(wide.invFreq[1], 0.1 * (keep + (1 - keep) / 4));
  });

  it('dynamic: plain up to max_position_embeddings, then base·(factor·L/max − (factor − 1))^(d/(d−2))', () => {
    const c = rope(8, 1e4, { ropeType: 'dynamic', factor: 2 }, 32);
    expect(Array.from(ropeFrequencies(c, 32).invFreq)).toEqual(Array.from(ropeFrequencies(rope(8, 1e4, null, 32)).invFreq));
    const grown = ropeFrequencies(c, 48);
    // base' = 1e4 · 2^(4/3) = 25198.42…; inv_freq_i = base'^(−i/4).
    expectRel(grown.invFreq[1], 0.07937005259840997);
    expectRel(grown.invFreq[2], 0.006299605249474365);
  });
});

describe('ropeCosSin', () => {
  it("rounds inv_freq and the angle to f32 as transformers' forward does, and applies YaRN's gain", () => {
    const { cos, sin } = ropeCosSin(rope(8, 1e4, { ropeType: 'yarn', factor: 4 }, 64), [0, 50]);
    const gain = 1.138629436111989;
    expect(cos[0]).toBeCloseTo(gain, 14);
    expect(sin[0]).toBe(0);
    const angle = Math.fround(50 * Math.fround(0.01 / 4));
    expect(cos[4 + 2]).toBeCloseTo(Math.cos(angle) * gain, 14);
    expect(sin[4 + 2]).toBeCloseTo(Math.sin(angle) * gain, 14);
  });

  it('sizes dynamic NTK from the largest position in the call', () => {
    const c = rope(8, 1e4, { ropeType: 'dynamic', factor: 2 }, 32);
    const within = ropeCosSin(c, [5, 31]);
    const past = ropeCosSin(c, [5, 47]);
    const plain = ropeCosSin(rope(8, 1e4, null, 32), [5]);
    expect(within.cos[1]).toBe(plain.cos[1]);
    expect(past.cos[1]).toBe(Math.cos(Math.fround(5 * Math.fround(0.07937005259840997))));
  });
});
