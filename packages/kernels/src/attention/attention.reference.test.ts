import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { GRADIENT_TOLERANCE, centralDifference, dot, gradientError, projection, toF64 } from '../reference/finite-difference.js';
import { attentionBackward, attentionForward } from './attention.reference.js';
import { type AttentionDims } from './attention.shared.js';
import { ATTENTION_CASES, attentionCaseInputs } from './attention.cases.js';

describe('causal GQA attention reference', () => {
  it('hand case: 1 head, d=1, seq 2 → o_0 = v_0, o_1 = softmax(q1·k/1)·v', () => {
    const d: AttentionDims = { batch: 1, seq: 2, numHeads: 1, numKvHeads: 1, headDim: 1 };
    const { o, lse } = attentionForward(Float64Array.of(1, 2), Float64Array.of(0.5, -1), Float64Array.of(3, 7), [1, 1], d);
    expect(o[0]).toBe(3);
    const s0 = 2 * 0.5;
    const s1 = 2 * -1;
    const p0 = Math.exp(s0) / (Math.exp(s0) + Math.exp(s1));
    expect(o[1]).toBeCloseTo(p0 * 3 + (1 - p0) * 7, 14);
    expect(lse[1]).toBeCloseTo(Math.log(Math.exp(s0) + Math.exp(s1)), 14);
  });

  it('maps query head h to kv head floor(h / (H/Hkv)) (HF repeat_kv)', () => {
    // 4 q heads over 2 kv heads, seq 1: the output of head h is v of its kv head.
    const d: AttentionDims = { batch: 1, seq: 1, numHeads: 4, numKvHeads: 2, headDim: 1 };
    const { o } = attentionForward(Float32Array.of(1, 1, 1, 1), Float32Array.of(1, 1), Float32Array.of(10, 20), [1], d);
    expect(Array.from(o)).toEqual([10, 10, 20, 20]);
  });

  it.each(ATTENTION_CASES.filter((c) => c.fd).map((c) => [c.name, c] as const))('backward matches FD: %s', (_, c) => {
    const inp = attentionCaseInputs(c);
    const q = toF64(inp.q);
    const k = toF64(inp.k);
    const v = toF64(inp.v);
    const proj = projection(c.seed, q.length);
    const f = (qq: Float64Array, kk: Float64Array, vv: Float64Array): number => dot(proj, attentionForward(qq, kk, vv, c.mask, c.dims).o);
    const { dq, dk, dv } = attentionBackward(proj, q, k, v, c.mask, c.dims);
    expect(
      gradientError(
        dq,
        centralDifference((x) => f(x, k, v), q),
      ).error,
    ).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
    expect(
      gradientError(
        dk,
        centralDifference((x) => f(q, x, v), k),
      ).error,
    ).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
    expect(
      gradientError(
        dv,
        centralDifference((x) => f(q, k, x), v),
      ).error,
    ).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
  });

  it.each(ATTENTION_CASES.map((c) => [c.name, c] as const))('f32 outputs finite; fully masked rows exactly 0: %s', (_, c) => {
    const { q, k, v, dO } = attentionCaseInputs(c);
    const { o, lse } = attentionForward(q, k, v, c.mask, c.dims);
    const { dq, dk, dv } = attentionBackward(dO, q, k, v, c.mask, c.dims);
    for (const a of [o, dq, dk, dv]) expect(a.every(Number.isFinite)).toBe(true);
    const { batch, seq, numHeads, headDim } = c.dims;
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < seq; i++) {
        let anyKey = false;
        for (let j = 0; j <= i; j++) anyKey ||= c.mask[b * seq + j] === 1;
        if (anyKey) continue;
        for (let h = 0; h < numHeads; h++) {
          expect(lse[(b * numHeads + h) * seq + i]).toBe(-Infinity);
          for (let e = 0; e < headDim; e++) {
            expect(o[((b * seq + i) * numHeads + h) * headDim + e]).toBe(0);
            expect(dq[((b * seq + i) * numHeads + h) * headDim + e]).toBe(0);
          }
        }
      }
    }
  });

  it('property: a fully masked query row is zero (never NaN), whatever the values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (seq, kv, rep, headDim, seed) => {
          const d: AttentionDims = { batch: 1, seq, numHeads: kv * rep, numKvHeads: kv, headDim };
          // Left padding of `seq - 1` pads: only the last query sees a key.
          const mask = Array.from({ length: seq }, (_, i) => (i === seq - 1 ? 1 : 0));
          const rnd = (n: number, s: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(seed + s * 1000 + i) * 1e4);
          const { o } = attentionForward(rnd(seq * kv * rep * headDim, 1), rnd(seq * kv * headDim, 2), rnd(seq * kv * headDim, 3), mask, d);
          for (let i = 0; i < (seq - 1) * kv * rep * headDim; i++) if (o[i] !== 0) return false;
          return o.every(Number.isFinite);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('masked keys have no influence (changing a padded k/v leaves o unchanged)', () => {
    const c = ATTENTION_CASES.find((x) => x.name.startsWith('GQA 6/2'));
    if (!c) throw new Error('case missing');
    const { q, k, v } = attentionCaseInputs(c);
    const k2 = k.slice();
    const v2 = v.slice();
    // Sequence 0 positions 0..1 are padding: overwrite their keys and values.
    for (let i = 0; i < 2 * c.dims.numKvHeads * c.dims.headDim; i++) {
      k2[i] = 1e6;
      v2[i] = -1e6;
    }
    const a = attentionForward(q, k, v, c.mask, c.dims).o;
    const b = attentionForward(q, k2, v2, c.mask, c.dims).o;
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});
