import { describe, expect, it } from '@jest/globals';
import { KernelReferenceError } from '../errors.js';
import { GRADIENT_TOLERANCE, centralDifference, dot, gradientError, projection, toF64 } from '../reference/finite-difference.js';
import { BIAS_CASES, biasCaseInputs } from './bias.cases.js';
import { biasAddForward, biasGrad } from './bias.reference.js';

describe('bias reference', () => {
  it('adds the bias to every row and sums columns for its gradient', () => {
    expect(Array.from(biasAddForward(Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(10, 20, 30)))).toEqual([11, 22, 33, 14, 25, 36]);
    expect(Array.from(biasGrad(Float32Array.of(1, 2, 3, 4, 5, 6), 3))).toEqual([5, 7, 9]);
    expect(biasAddForward(Float64Array.of(1), Float32Array.of(2))).toBeInstanceOf(Float64Array);
  });

  it('rejects a y that is not whole rows of the bias, naming it', () => {
    expect(() => biasAddForward(new Float32Array(5), new Float32Array(2))).toThrow(KernelReferenceError);
    expect(() => biasGrad(new Float32Array(5), 2)).toThrow(/dy: expected \[rows, 2\], got 5 elements/);
  });

  it.each(BIAS_CASES.filter((c) => c.specials === undefined && c.rows * c.n <= 400).map((c) => [c.name, c] as const))('gradient matches FD: %s', (_, c) => {
    const inp = biasCaseInputs(c);
    const y = toF64(inp.y);
    const bias = toF64(inp.bias);
    const proj = projection(c.seed, c.rows * c.n);
    // d/d(bias) of ⟨proj, y + bias⟩ is the column sums of proj; d/dy is proj itself.
    expect(
      gradientError(
        biasGrad(proj, c.n),
        centralDifference((b) => dot(proj, biasAddForward(y, b)), bias),
      ).error,
    ).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
    expect(
      gradientError(
        proj,
        centralDifference((x) => dot(proj, biasAddForward(x, bias)), y),
      ).error,
    ).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
  });
});
