import { describe, expect, it } from '@jest/globals';
import { GRADIENT_TOLERANCE, centralDifference, dot, gradientError, projection, toF64 } from '../reference/finite-difference.js';
import { embeddingBackward, embeddingForward } from './embedding.reference.js';
import { EMBEDDING_CASES, embeddingCaseInputs } from './embedding.cases.js';
import { KernelReferenceError } from '../errors.js';

describe('embedding reference', () => {
  it('gathers rows and scatter-adds repeated ids (hand case)', () => {
    const table = Float32Array.of(1, 2, 3, 4, 5, 6); // vocab 3, hidden 2
    expect(Array.from(embeddingForward(table, [2, 0, 2], { vocab: 3, hidden: 2 }))).toEqual([5, 6, 1, 2, 5, 6]);
    const dt = embeddingBackward(Float32Array.of(1, 10, 100, 1000, 0.5, 0.25), [2, 0, 2], { vocab: 3, hidden: 2 });
    expect(Array.from(dt)).toEqual([100, 1000, 0, 0, 1.5, 10.25]);
  });

  it.each(EMBEDDING_CASES.filter((c) => c.fd).map((c) => [c.name, c] as const))('backward matches FD: %s', (_, c) => {
    const table = toF64(embeddingCaseInputs(c).table);
    const proj = projection(c.seed, c.ids.length * c.dims.hidden);
    const fd = centralDifference((t) => dot(proj, embeddingForward(t, c.ids, c.dims)), table);
    expect(gradientError(embeddingBackward(proj, c.ids, c.dims), fd).error).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
  });

  it.each(EMBEDDING_CASES.map((c) => [c.name, c] as const))('f32 shapes: %s', (_, c) => {
    const { table, dout } = embeddingCaseInputs(c);
    expect(embeddingForward(table, c.ids, c.dims).length).toBe(c.ids.length * c.dims.hidden);
    expect(embeddingBackward(dout, c.ids, c.dims).length).toBe(table.length);
  });

  it('rejects an out-of-range id, naming its index', () => {
    expect(() => embeddingForward(new Float32Array(4), [0, 2], { vocab: 2, hidden: 2 })).toThrow(KernelReferenceError);
    expect(() => embeddingForward(new Float32Array(4), [0, 2], { vocab: 2, hidden: 2 })).toThrow(/^ids\[1\]/);
  });
});
