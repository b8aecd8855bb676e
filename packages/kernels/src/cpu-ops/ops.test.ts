/**
 * The fast element-wise/row-wise ops against the plain references on the references' own case tables.
 * Tolerance: both compute in f64 and round once to f32, with the same formulas, so differences are
 * a few f32 ulps (a summation order or a stored-vs-recomputed rstd): |fast − ref| ≤ 1e-6·max(1, max|ref|).
 */
import { describe, expect, it } from '@jest/globals';
import { rmsNormBackward, rmsNormForward } from '../reference/rmsnorm.js';
import { RMSNORM_CASES, rmsNormCaseInputs } from '../reference/rmsnorm.cases.js';
import { ropeBackward, ropeForward, ropeTables } from '../reference/rope.js';
import { ROPE_CASES, ropeCaseInputs } from '../reference/rope.cases.js';
import { swigluBackward, swigluForward } from '../reference/swiglu.js';
import { SWIGLU_CASES, swigluCaseInputs } from '../reference/swiglu.cases.js';
import { residualAddForward } from '../reference/residual.js';
import { RESIDUAL_CASES, residualCaseInputs } from '../reference/residual.cases.js';
import { embeddingBackward, embeddingForward } from '../reference/embedding.js';
import { EMBEDDING_CASES, embeddingCaseInputs } from '../reference/embedding.cases.js';
import { addInto, embeddingBackwardInto, embeddingForwardInto, rmsNormBackwardInto, rmsNormForwardInto, ropeInPlace, swigluBackwardInto, swigluForwardInto } from './ops.js';

/** The f32 tolerance of these ops, relative to max(1, max|reference|). */
const TOL = 1e-6;

/** Asserts |a − b| ≤ TOL·max(1, max|b|) element-wise, with equal non-finite values (±∞, NaN) allowed. */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = TOL): void {
  expect(a.length).toBe(b.length);
  let scale = 1;
  for (let i = 0; i < b.length; i++) if (Number.isFinite(b[i]!)) scale = Math.max(scale, Math.abs(b[i]!));
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(b[i]!)) {
      expect(Object.is(a[i], b[i]) || (Number.isNaN(a[i]!) && Number.isNaN(b[i]!))).toBe(true);
      continue;
    }
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  }
  expect(worst).toBeLessThanOrEqual(tol * scale);
}

describe('fast cpu ops match the references', () => {
  it.each(RMSNORM_CASES.map((c) => [c.name, c] as const))('rmsNorm forward/backward: %s', (_, c) => {
    const { x, weight, dy } = rmsNormCaseInputs(c);
    const { rows, hidden, eps } = c.dims;
    const y = new Float32Array(x.length);
    const rstd = new Float64Array(rows);
    rmsNormForwardInto(x, weight, rows, hidden, eps, y, rstd);
    const ref = rmsNormForward(x, weight, c.dims);
    expectClose(y, ref.y);
    const dx = new Float32Array(x.length);
    const dw = new Float32Array(hidden);
    rmsNormBackwardInto(dy, x, weight, rstd, rows, hidden, dx, dw);
    const rb = rmsNormBackward(dy, x, weight, c.dims);
    expectClose(dx, rb.dx);
    expectClose(dw, rb.dweight);
    // accumulate mode adds onto what is there.
    const acc = Float32Array.from(dy);
    rmsNormBackwardInto(dy, x, weight, rstd, rows, hidden, acc, new Float32Array(hidden), true);
    expectClose(acc, residualAddForward(dy, rb.dx));
  });

  it.each(ROPE_CASES.map((c) => [c.name, c] as const))('rope forward/backward: %s', (_, c) => {
    const { x, dy } = ropeCaseInputs(c);
    const { cos, sin } = ropeTables(c.positions, c.dims.headDim, c.dims.theta);
    const fx = x.slice();
    ropeInPlace(fx, cos, sin, c.dims.tokens, c.dims.heads, c.dims.headDim, 1);
    expectClose(fx, ropeForward(x, c.positions, c.dims));
    const fdy = dy.slice();
    ropeInPlace(fdy, cos, sin, c.dims.tokens, c.dims.heads, c.dims.headDim, -1);
    expectClose(fdy, ropeBackward(dy, c.positions, c.dims));
  });

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

  it.each(RESIDUAL_CASES.map((c) => [c.name, c] as const))('residual add: %s', (_, c) => {
    const { a, b } = residualCaseInputs(c);
    const y = new Float32Array(c.n);
    addInto(a, b, y);
    expectClose(y, residualAddForward(a, b), 0);
  });

  it.each(EMBEDDING_CASES.map((c) => [c.name, c] as const))('embedding gather/scatter-add: %s', (_, c) => {
    const { table, dout } = embeddingCaseInputs(c);
    const out = new Float32Array(c.ids.length * c.dims.hidden);
    embeddingForwardInto(table, c.ids, c.dims.hidden, out);
    expectClose(out, embeddingForward(table, c.ids, c.dims), 0);
    const dtable = new Float32Array(table.length);
    embeddingBackwardInto(dout, c.ids, c.dims.hidden, dtable);
    expectClose(dtable, embeddingBackward(dout, c.ids, c.dims));
  });
});
