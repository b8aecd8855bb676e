/**
 * Fast attention against the reference on ATTENTION_CASES, on both engines. Tolerances (relative to
 * max(1, max|reference|)): reference engine 1e-6 (f64 products, f32 storage of scores and P);
 * ORT engine 1e-5, except the huge-score case (|s| ~ 10³: an f32 sgemm score error of ~1e-4 moves a
 * near-one-hot softmax by that much) at 1e-3.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { OrtMatmul } from '../ort/ort-matmul.js';
import { ortMatmulEngine, referenceMatmul, type MatmulEngine } from '../decoder/matmul-engine.js';
import { attentionBackward, attentionForward } from './attention.reference.js';
import { ATTENTION_CASES, attentionCaseInputs, type AttentionCase } from './attention.cases.js';
import { plainRope, positionsFromMask, ropeTables } from '../rope/rope.shared.js';
import { AttentionWorkspace, attentionProbsLength, fastAttentionBackward, fastAttentionForward, stackedQkvLengths } from './attention.cpu.js';
import { ropeInPlace } from '../rope/rope.cpu.js';

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1;
  let worst = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(a.length).toBe(b.length);
  return worst / scale;
}

const ort = new OrtMatmul({ threads: 2 });
afterAll(async () => ort.dispose());

const engines: [string, MatmulEngine<Float32Array>, (c: AttentionCase) => number][] = [
  ['reference', referenceMatmul, () => 1e-6],
  ['ort', ortMatmulEngine(ort), (c) => (c.scale > 1 ? 1e-3 : 1e-5)],
];

describe('fast attention matches the reference', () => {
  // One workspace across all cases and engines: reuse with changing shapes must not leak state.
  const ws = new AttentionWorkspace();
  const rows = engines.flatMap(([en, engine, tol]) => ATTENTION_CASES.map((c) => [`${en}: ${c.name}`, engine, tol(c), c] as const));
  it.each(rows)('forward and backward, %s', async (_, engine, tol, c) => {
    const { q, k, v, dO } = attentionCaseInputs(c);
    const o = new Float32Array(q.length);
    const probs = new Float32Array(attentionProbsLength(c.dims));
    await fastAttentionForward(engine, q, k, v, c.mask, c.dims, ws, o, probs);
    expect(relErr(o, attentionForward(q, k, v, c.mask, c.dims).o)).toBeLessThanOrEqual(tol);
    expect(o.every(Number.isFinite)).toBe(true);
    const dq = new Float32Array(q.length);
    const dk = new Float32Array(k.length);
    const dv = new Float32Array(v.length);
    await fastAttentionBackward(engine, dO, q, k, v, probs, c.dims, ws, dq, dk, dv);
    const ref = attentionBackward(dO, q, k, v, c.mask, c.dims);
    expect(relErr(dq, ref.dq)).toBeLessThanOrEqual(tol);
    expect(relErr(dk, ref.dk)).toBeLessThanOrEqual(tol);
    expect(relErr(dv, ref.dv)).toBeLessThanOrEqual(tol);
  });
});

describe('fast attention with RoPE fused into the stacking and stacks kept for the backward', () => {
  // The fused path must reproduce "ropeInPlace, then attention" (and "attention backward, then the
  // transposed ropeInPlace") bit for bit: same arithmetic, one pass fewer. RoPE needs an even head_dim.
  const ws = new AttentionWorkspace();
  const even = ATTENTION_CASES.filter((c) => c.dims.headDim % 2 === 0);
  it('has GQA and padded cases to run', () => expect(even.length).toBeGreaterThanOrEqual(3));
  it.each(even.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const { q, k, v, dO } = attentionCaseInputs(c);
    const d = c.dims;
    const tokens = d.batch * d.seq;
    const rope = ropeTables(positionsFromMask(c.mask, d.batch, d.seq), plainRope(d.headDim, 10000));
    const engine = ortMatmulEngine(ort);
    // Unfused: rotate first, attention on the rotated q, k; backward, then rotate dq, dk back.
    const qr = q.slice();
    const kr = k.slice();
    ropeInPlace(qr, rope.cos, rope.sin, tokens, d.numHeads, d.headDim, 1);
    ropeInPlace(kr, rope.cos, rope.sin, tokens, d.numKvHeads, d.headDim, 1);
    const o1 = new Float32Array(q.length);
    const p1 = new Float32Array(attentionProbsLength(d));
    await fastAttentionForward(engine, qr, kr, v, c.mask, d, ws, o1, p1);
    const [dq1, dk1, dv1] = [new Float32Array(q.length), new Float32Array(k.length), new Float32Array(v.length)];
    await fastAttentionBackward(engine, dO, qr, kr, v, p1, d, ws, dq1, dk1, dv1);
    ropeInPlace(dq1, rope.cos, rope.sin, tokens, d.numHeads, d.headDim, -1);
    ropeInPlace(dk1, rope.cos, rope.sin, tokens, d.numKvHeads, d.headDim, -1);
    // Fused, with the stacks kept; the backward gets poisoned q, k, v, so it must use the stacks.
    const len = stackedQkvLengths(d);
    const stacked = { q: new Float32Array(len.q), k: new Float32Array(len.k), v: new Float32Array(len.v) };
    const o2 = new Float32Array(q.length);
    const p2 = new Float32Array(attentionProbsLength(d));
    await fastAttentionForward(engine, q, k, v, c.mask, d, ws, o2, p2, { rope, stacked });
    const [dq2, dk2, dv2] = [new Float32Array(q.length), new Float32Array(k.length), new Float32Array(v.length)];
    const nan = (x: Float32Array): Float32Array => new Float32Array(x.length).fill(NaN);
    await fastAttentionBackward(engine, dO, nan(q), nan(k), nan(v), p2, d, ws, dq2, dk2, dv2, { rope, stacked });
    for (const [a, b] of [
      [o2, o1],
      [p2, p1],
      [dq2, dq1],
      [dk2, dk1],
      [dv2, dv1],
    ] as const) {
      expect(Array.from(a)).toEqual(Array.from(b));
    }
    expect(dq2.every(Number.isFinite)).toBe(true);
  });
});
