/**
 * Fast attention against the reference on ATTENTION_CASES, on both engines. Tolerances (relative to
 * max(1, max|reference|)): reference engine 1e-6 (f64 products, f32 storage of scores and P);
 * ORT engine 1e-5, except the huge-score case (|s| ~ 10³: an f32 sgemm score error of ~1e-4 moves a
 * near-one-hot softmax by that much) at 1e-3.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { OrtMatmul } from '../cpu/ort-matmul.js';
import { ortMatmulEngine, referenceMatmul, type MatmulEngine } from '../decoder/matmul-engine.js';
import { attentionBackward, attentionForward } from '../reference/attention.js';
import { ATTENTION_CASES, attentionCaseInputs, type AttentionCase } from '../reference/attention.cases.js';
import { AttentionWorkspace, attentionProbsLength, fastAttentionBackward, fastAttentionForward } from './attention.js';

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
