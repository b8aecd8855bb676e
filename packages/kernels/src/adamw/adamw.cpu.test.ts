/**
 * The f32 AdamW of the cpu backend against the reference AdamW on the reference's own case table:
 * same operations in the same order, so the results must be bit-identical (tolerance 0), step after step.
 */
import { describe, expect, it } from '@jest/globals';
import { adamwStep } from './adamw.reference.js';
import { ADAMW_CASES, adamwCaseInputs } from './adamw.cases.js';
import { KernelReferenceError } from '../errors.js';
import { adamwStepF32 } from './adamw.cpu.js';

describe('adamwStepF32', () => {
  it.each(ADAMW_CASES.map((c) => [c.name, c] as const))('equals the reference bit for bit: %s', (_, c) => {
    const { param, grads } = adamwCaseInputs(c);
    const [pf, mf, vf] = [param.slice(), new Float32Array(c.n), new Float32Array(c.n)];
    const [pr, mr, vr] = [param.slice(), new Float32Array(c.n), new Float32Array(c.n)];
    for (let t = 1; t <= c.steps; t++) {
      adamwStepF32(pf, grads[t - 1]!, mf, vf, t, c.options);
      adamwStep(pr, grads[t - 1]!, mr, vr, t, c.options);
      expect(Array.from(pf)).toEqual(Array.from(pr));
      expect(Array.from(mf)).toEqual(Array.from(mr));
      expect(Array.from(vf)).toEqual(Array.from(vr));
    }
    // The update did something (the decay-only case included), so equality is not vacuous.
    expect(Array.from(pf)).not.toEqual(Array.from(param));
  });

  it('rejects mismatched lengths, a bad step and non-finite hyperparameters, naming them', () => {
    const o = ADAMW_CASES[0]!.options;
    const a = new Float32Array(3);
    expect(() => adamwStepF32(a, new Float32Array(2), a.slice(), a.slice(), 1, o)).toThrow(/grad/);
    expect(() => adamwStepF32(a, a.slice(), new Float32Array(4), a.slice(), 1, o)).toThrow(/\bm\b/);
    expect(() => adamwStepF32(a, a.slice(), a.slice(), a.slice(), 0, o)).toThrow(/step/);
    expect(() => adamwStepF32(a, a.slice(), a.slice(), a.slice(), 1, { ...o, lr: NaN })).toThrow(KernelReferenceError);
    expect(() => adamwStepF32(a, a.slice(), a.slice(), a.slice(), 1, { ...o, beta2: 1 })).toThrow(/beta2/);
  });
});
