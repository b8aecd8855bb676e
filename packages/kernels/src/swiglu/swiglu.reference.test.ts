import { describe, expect, it } from '@jest/globals';
import { GRADIENT_TOLERANCE, centralDifference, dot, gradientError, projection, toF64 } from '../reference/finite-difference.js';
import { silu, swigluBackward, swigluForward } from './swiglu.reference.js';
import { SWIGLU_CASES, swigluCaseInputs } from './swiglu.cases.js';

describe('SwiGLU reference', () => {
  it('hand values: silu(1)·2 = 2/(1+e^{-1}); silu(0) = 0; limits at ±1e4 and −∞', () => {
    const h = swigluForward(Float64Array.of(1, 0, 1e4, -1e4, -Infinity, Infinity), Float64Array.of(2, 5, 1, 1, 1, 1));
    expect(h[0]).toBeCloseTo(2 / (1 + Math.exp(-1)), 15);
    expect(h[1]).toBe(0);
    expect(h[2]).toBe(1e4);
    expect(Math.abs(h[3] as number)).toBe(0);
    expect(h[4]).toBe(0);
    expect(h[5]).toBe(Infinity);
    expect(silu(-800)).toBeLessThanOrEqual(0);
  });

  it.each(SWIGLU_CASES.filter((c) => c.fd).map((c) => [c.name, c] as const))('backward matches FD: %s', (_, c) => {
    const inp = swigluCaseInputs(c);
    const gate = toF64(inp.gate);
    const up = toF64(inp.up);
    const proj = projection(c.seed, gate.length);
    const { dgate, dup } = swigluBackward(proj, gate, up);
    // −∞ gates are not perturbed by the FD helper and must get gradient exactly 0.
    expect(
      gradientError(
        dgate,
        centralDifference((g) => dot(proj, swigluForward(g, up)), gate),
      ).error,
    ).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
    expect(
      gradientError(
        dup,
        centralDifference((u) => dot(proj, swigluForward(gate, u)), up),
      ).error,
    ).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
  });

  it.each(SWIGLU_CASES.map((c) => [c.name, c] as const))('f32 outputs and grads are finite: %s', (_, c) => {
    const { gate, up, dh } = swigluCaseInputs(c);
    const h = swigluForward(gate, up);
    const { dgate, dup } = swigluBackward(dh, gate, up);
    for (const a of [h, dgate, dup]) expect(a.every(Number.isFinite)).toBe(true);
  });
});
