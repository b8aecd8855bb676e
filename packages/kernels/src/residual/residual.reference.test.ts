import { describe, expect, it } from '@jest/globals';
import { GRADIENT_TOLERANCE, centralDifference, dot, gradientError, projection, toF64 } from '../reference/finite-difference.js';
import { residualAddBackward, residualAddForward, residualAddInto } from './residual.reference.js';
import { RESIDUAL_CASES, residualCaseInputs } from './residual.cases.js';

describe('residual add reference', () => {
  it('adds and passes dy to both inputs', () => {
    expect(Array.from(residualAddForward(Float32Array.of(1, Infinity), Float32Array.of(2, 3)))).toEqual([3, Infinity]);
    const { da, db } = residualAddBackward(Float32Array.of(4, 5));
    expect(Array.from(da)).toEqual([4, 5]);
    expect(Array.from(db)).toEqual([4, 5]);
    expect(da).not.toBe(db);
  });

  it('adds in place, as the forward does', () => {
    const a = Float32Array.of(1, Infinity, 0.1);
    const b = Float32Array.of(2, 3, 0.2);
    const expected = residualAddForward(a, b);
    residualAddInto(a, b);
    expect(a).toEqual(expected);
    expect(() => residualAddInto(a, Float32Array.of(1))).toThrow(/b: expected 3 elements/);
  });

  it.each(RESIDUAL_CASES.map((c) => [c.name, c] as const))('backward matches FD: %s', (_, c) => {
    const inp = residualCaseInputs(c);
    const a = toF64(inp.a);
    const b = toF64(inp.b);
    const proj = projection(c.seed, c.n);
    const { da, db } = residualAddBackward(proj);
    expect(
      gradientError(
        da,
        centralDifference((x) => dot(proj, residualAddForward(x, b)), a),
      ).error,
    ).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
    expect(
      gradientError(
        db,
        centralDifference((x) => dot(proj, residualAddForward(a, x)), b),
      ).error,
    ).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
  });
});
