import { describe, expect, it } from '@jest/globals';
import { GRADIENT_TOLERANCE, centralDifference, dot, gradientError, projection, toF64 } from '../reference/finite-difference.js';
import { type RopeConfig, ropeFrequencies } from '@rlvr/core';
import { KernelReferenceError } from '../errors.js';
import { plainRope, positionsFromMask, ropeTables } from './rope.shared.js';
import { ropeBackward, ropeForward } from './rope.reference.js';
import { ROPE_CASES, ropeCaseInputs } from './rope.cases.js';

describe('RoPE reference (HF rotate-half)', () => {
  it('rotates the (i, i + d/2) pair by pos·θ^(−2i/d): hand case d=4, pos=2, θ=100', () => {
    const x = Float64Array.of(1, 2, 3, 4);
    const y = ropeForward(x, [2], { tokens: 1, heads: 1, rope: plainRope(4, 100) });
    // inv_freq = [1, 100^(−1/2) = 0.1]; angles (f32-rounded) 2 and 0.2.
    const a0 = 2;
    const a1 = Math.fround(2 * Math.fround(0.1));
    expect(y[0]).toBeCloseTo(1 * Math.cos(a0) - 3 * Math.sin(a0), 12);
    expect(y[2]).toBeCloseTo(3 * Math.cos(a0) + 1 * Math.sin(a0), 12);
    expect(y[1]).toBeCloseTo(2 * Math.cos(a1) - 4 * Math.sin(a1), 12);
    expect(y[3]).toBeCloseTo(4 * Math.cos(a1) + 2 * Math.sin(a1), 12);
  });

  it('position 0 is the identity and the rotation preserves each pair norm', () => {
    const x = Float32Array.of(0.5, -1, 2, 3);
    expect(Array.from(ropeForward(x, [0], { tokens: 1, heads: 1, rope: plainRope(4, 1e4) }))).toEqual(Array.from(x));
    const y = ropeForward(toF64(x), [12345], { tokens: 1, heads: 1, rope: plainRope(4, 1e4) });
    expect(Math.hypot(y[0] as number, y[2] as number)).toBeCloseTo(Math.hypot(0.5, 2), 12);
  });

  it('positionsFromMask follows HF generate (cumsum − 1, pads set to 1)', () => {
    expect(Array.from(positionsFromMask([0, 0, 1, 1, 1, 1, 1, 0], 2, 4))).toEqual([1, 1, 0, 1, 0, 1, 2, 1]);
  });

  it('ropeTables without a RoPE config, or with an odd headDim, is a KernelReferenceError naming the argument', () => {
    expect(() => ropeTables([0], undefined as unknown as RopeConfig)).toThrow(KernelReferenceError);
    expect(() => ropeTables([0], undefined as unknown as RopeConfig)).toThrow(/rope/);
    expect(() => ropeTables([0], plainRope(5, 1e4))).toThrow(/headDim/);
  });

  it('uses f32-rounded angles like HF (large positions)', () => {
    const { cos } = ropeTables([32767], plainRope(64, 1e6));
    // inv_freq in f64, held as f32 (HF's buffer); the product rounded to f32 (HF's f32 matmul).
    const inv1 = Math.fround(1 / Math.pow(1e6, 2 / 64));
    expect(cos[1]).toBe(Math.cos(Math.fround(32767 * inv1)));
    // The exact f64 angle differs measurably here, so the rounding is not a no-op.
    expect(Math.abs((cos[1] as number) - Math.cos(32767 * Math.pow(1e6, -2 / 64)))).toBeGreaterThan(1e-6);
  });

  it.each(ROPE_CASES.filter((c) => c.fd).map((c) => [c.name, c] as const))('backward (inverse rotation) matches FD: %s', (_, c) => {
    const x = toF64(ropeCaseInputs(c).x);
    const proj = projection(c.seed, x.length);
    const fd = centralDifference((xx) => dot(proj, ropeForward(xx, c.positions, c.dims)), x);
    expect(gradientError(ropeBackward(proj, c.positions, c.dims), fd).error).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
  });

  it.each(ROPE_CASES.map((c) => [c.name, c] as const))('backward inverts forward in f32 (up to the gain²): %s', (_, c) => {
    const { x } = ropeCaseInputs(c);
    const back = ropeBackward(ropeForward(x, c.positions, c.dims), c.positions, c.dims);
    // Rᵀ·R = g²·I: a rotation scaled by YaRN's cos/sin gain g (1 for the other variants).
    const g2 = ropeFrequencies(c.dims.rope).attentionScaling ** 2;
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((back[i] as number) - g2 * (x[i] as number)));
    // Two f32 roundings of |x| ≤ 1 values: a few ulps.
    expect(worst).toBeLessThan(1e-6);
  });

  it("applies the config's rope_scaling: a llama3 config rotates its low frequencies by angle/factor", () => {
    const c = ROPE_CASES.find((r) => r.name.startsWith('llama3'))!;
    const { cos } = ropeTables(Int32Array.of(200), c.dims.rope);
    const plain = ropeTables(Int32Array.of(200), plainRope(8, 10000));
    // d=8, θ=1e4: inv_freq 1e-3 has wavelength 6283 > original/low_freq_factor = 64, so it is divided by 8.
    expect(cos[3]).toBe(Math.cos(Math.fround(200 * Math.fround(1 / Math.pow(10000, 6 / 8) / 8))));
    expect(cos[3]).not.toBe(plain.cos[3]);
    // inv_freq 1 (wavelength 6.28 < 64/4) is untouched.
    expect(cos[0]).toBe(plain.cos[0]);
  });

  it('rejects an odd head_dim', () => {
    expect(() => ropeForward(new Float32Array(3), [0], { tokens: 1, heads: 1, rope: plainRope(3, 1e4) })).toThrow(/headDim/);
  });
});
