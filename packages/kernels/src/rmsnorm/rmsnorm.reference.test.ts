import { describe, expect, it } from '@jest/globals';
import { GRADIENT_TOLERANCE, centralDifference, dot, gradientError, projection, toF64 } from '../reference/finite-difference.js';
import { rmsNormBackward, rmsNormForward } from './rmsnorm.reference.js';
import { RMSNORM_CASES, rmsNormCaseInputs } from './rmsnorm.cases.js';
import { KernelReferenceError } from '../errors.js';

describe('rmsNorm reference', () => {
  it('matches the formula on a hand case: x=[3,4], w=[1,2], eps=0 → rms=√12.5', () => {
    const { y, rstd } = rmsNormForward(Float32Array.of(3, 4), Float32Array.of(1, 2), { rows: 1, hidden: 2, eps: 0 });
    const rms = Math.sqrt(12.5);
    expect(rstd[0]).toBeCloseTo(1 / rms, 15);
    expect(y[0]).toBeCloseTo(3 / rms, 6);
    expect(y[1]).toBeCloseTo(8 / rms, 6);
    expect(y).toBeInstanceOf(Float32Array);
  });

  it.each(RMSNORM_CASES.filter((c) => c.fd).map((c) => [c.name, c] as const))('backward matches f64 finite differences: %s', (_, c) => {
    const inp = rmsNormCaseInputs(c);
    const x = toF64(inp.x);
    const w = toF64(inp.weight);
    const proj = projection(c.seed, x.length);
    const fdX = centralDifference((xx) => dot(proj, rmsNormForward(xx, w, c.dims).y), x);
    const fdW = centralDifference((ww) => dot(proj, rmsNormForward(x, ww, c.dims).y), w);
    const { dx, dweight } = rmsNormBackward(proj, x, w, c.dims);
    expect(gradientError(dx, fdX).error).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
    expect(gradientError(dweight, fdW).error).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
  });

  it.each(RMSNORM_CASES.map((c) => [c.name, c] as const))('f32 forward/backward are finite and shaped: %s', (_, c) => {
    const { x, weight, dy } = rmsNormCaseInputs(c);
    const { y } = rmsNormForward(x, weight, c.dims);
    const { dx, dweight } = rmsNormBackward(dy, x, weight, c.dims);
    expect(y.length).toBe(x.length);
    expect(dweight.length).toBe(c.dims.hidden);
    for (const a of [y, dx, dweight]) expect(a.every(Number.isFinite)).toBe(true);
  });

  it('names the bad argument', () => {
    expect(() => rmsNormForward(new Float32Array(5), new Float32Array(2), { rows: 2, hidden: 2, eps: 1e-6 })).toThrow(KernelReferenceError);
    expect(() => rmsNormForward(new Float32Array(5), new Float32Array(2), { rows: 2, hidden: 2, eps: 1e-6 })).toThrow(/^x: expected 4/);
  });
});
