import { describe, expect, it } from '@jest/globals';
import { CLIP_NORM_EPS } from './grad-norm.shared.js';
import { clipGradNorm, globalGradNorm } from './grad-norm.reference.js';
import { GRAD_NORM_CASES, gradNormCaseInputs } from './grad-norm.cases.js';

describe('global grad norm and clipping reference', () => {
  it('hand case: tensors [3, 4] and [12] → norm 13; maxNorm 6.5 → scale 6.5/(13 + 1e-6)', () => {
    const a = Float32Array.of(3, 4);
    const b = Float32Array.of(12);
    const { norm, scale } = clipGradNorm([a, b], 6.5);
    expect(norm).toBe(13);
    expect(scale).toBe(6.5 / (13 + 1e-6));
    expect(a[0]).toBeCloseTo(3 * scale, 6);
    expect(b[0]).toBeCloseTo(12 * scale, 6);
    expect(globalGradNorm([a, b])).toBeCloseTo(6.5, 5);
  });

  it('leaves gradients bit-exact below the cap and handles a zero norm', () => {
    const a = Float32Array.of(0.1, -0.2);
    expect(clipGradNorm([a], 1).scale).toBe(1);
    expect(Array.from(a)).toEqual([Math.fround(0.1), Math.fround(-0.2)]);
    expect(clipGradNorm([new Float32Array(3)], 1)).toEqual({ norm: 0, scale: 1 });
    expect(CLIP_NORM_EPS).toBe(1e-6);
  });

  it('throws on a non-finite gradient, naming it', () => {
    expect(() => clipGradNorm([Float32Array.of(1), Float32Array.of(2, NaN)], 1)).toThrow(/^grads\[1\]\[1\]/);
  });

  it.each(GRAD_NORM_CASES.map((c) => [c.name, c] as const))('case: f64 norm, clipped norm ≤ max: %s', (_, c) => {
    const grads = gradNormCaseInputs(c);
    let ss = 0;
    for (const g of grads) for (const x of g) ss += x * x;
    const { norm, scale } = clipGradNorm(grads, c.maxNorm);
    expect(norm).toBeCloseTo(Math.sqrt(ss), 10);
    expect(scale).toBe(Math.min(1, c.maxNorm / (norm + CLIP_NORM_EPS)));
    expect(globalGradNorm(grads)).toBeLessThanOrEqual(c.maxNorm * (1 + 1e-6));
  });
});
