/**
 * The fast f32 SwiGLU (plain, σ saved, e^gate given) against the reference on its case table, within the cpu ops' f32 tolerance (testing/expect-close.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { expectClose } from '../testing/expect-close.js';
import { SWIGLU_CASES, swigluCaseInputs } from './swiglu.cases.js';
import { swigluBackwardInto, swigluForwardInto } from './swiglu.cpu.js';
import { swigluBackward, swigluForward } from './swiglu.reference.js';

describe('fast swiglu matches the reference', () => {
  it.each(SWIGLU_CASES.map((c) => [c.name, c] as const))('swiglu forward/backward: %s', (_, c) => {
    const { gate, up, dh } = swigluCaseInputs(c);
    const h = new Float32Array(c.n);
    swigluForwardInto(gate, up, h);
    expectClose(h, swigluForward(gate, up));
    const dgate = new Float32Array(c.n);
    const dup = new Float32Array(c.n);
    swigluBackwardInto(dh, gate, up, dgate, dup);
    const rb = swigluBackward(dh, gate, up);
    expectClose(dgate, rb.dgate);
    expectClose(dup, rb.dup);
    // With σ(gate) saved by the forward (the fast model's path): the same results, bit for bit.
    const sig = new Float64Array(c.n);
    const hs = new Float32Array(c.n);
    swigluForwardInto(gate, up, hs, sig);
    expect(Array.from(hs)).toEqual(Array.from(h));
    const dgs = new Float32Array(c.n);
    const dus = new Float32Array(c.n);
    swigluBackwardInto(dh, gate, up, dgs, dus, sig);
    expect(Array.from(dgs)).toEqual(Array.from(dgate));
    expect(Array.from(dus)).toEqual(Array.from(dup));
    // With e^gate precomputed in f32 (ORT's Exp on the fast model): within the same tolerance.
    const expGate = gate.map((g) => Math.exp(g));
    const he = new Float32Array(c.n);
    const sige = new Float64Array(c.n);
    swigluForwardInto(gate, up, he, sige, expGate);
    expectClose(he, swigluForward(gate, up));
    swigluBackwardInto(dh, gate, up, dgs, dus, sige);
    expectClose(dgs, rb.dgate);
    expectClose(dus, rb.dup);
  });
});
