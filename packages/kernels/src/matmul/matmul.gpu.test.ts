import { describeGpu } from '../device/describe-gpu.js';
import { pipelineCacheOf } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { matmulCaseInputs, matmulCases, type MatmulCase } from './matmul.cases.js';
import { matmulInputLengths, type MatmulShape } from './matmul.shared.js';
import { matmulReference } from './matmul.reference.js';
import { matmul, matmulUsesVec4, planMatmul } from './matmul.gpu.js';
import { matmulTolerance } from './matmul.tolerance.js';
import { matmulBlocks, matmulTiles } from './matmul-split.js';
import { submitPlans, worstRatio } from '../kernel-common/plan.js';
import { seededFloats } from '@rlvr/core';

function expectClose(actual: Float32Array, expected: Float32Array, tol: Float32Array, what: string): void {
  expect(actual.length).toBe(expected.length);
  const { index, ratio } = worstRatio(actual, expected, tol);
  if (!(ratio <= 1)) {
    throw new Error(`${what}: element ${index} is ${actual[index]}, expected ${expected[index]} ± ${tol[index]} (${ratio.toFixed(1)}× the tolerance)`);
  }
}

await describeGpu('matmul on WebGPU vs the CPU reference', (gpu) => {
  const run = async (shape: MatmulShape, a: Float32Array, b: Float32Array): Promise<Float32Array> => {
    const lengths = matmulInputLengths(shape);
    const ta = GpuTensor.fromArray(gpu, a, [lengths.a], 'A');
    const tb = GpuTensor.fromArray(gpu, b, [lengths.b], 'B');
    const tc = GpuTensor.zeros(gpu, [lengths.c], 'C');
    try {
      await submitPlans(gpu, 'matmul', () => planMatmul(gpu, ta, tb, tc, shape));
      return await tc.read();
    } finally {
      for (const t of [ta, tb, tc]) t.dispose();
    }
  };

  it.each(matmulCases.map((c, i) => [c.name, c, i] as [string, MatmulCase, number]))('%s', async (_name, c, i) => {
    const { a, b } = matmulCaseInputs(c, i);
    const actual = await run(c, a, b);
    const tol = matmulTolerance(a.map(Math.abs), b.map(Math.abs), c);
    expectClose(actual, matmulReference(a, b, c), tol, `${c.name} (${matmulUsesVec4(c) ? 'vec4' : 'scalar'} path)`);
  });

  // The three products of an LM head W [vocab, hidden] on rows × hidden activations, as GpuDecoderModel
  // runs them, with the binding limit lowered to 1 KiB so that W, the logits and their gradient are
  // split: vocab 37 (odd: scalar path), 40 (vec4 path), and an odd hidden of 7.
  const headShapes = (
    [
      [12, 37, 32],
      [9, 40, 16],
      [5, 29, 7],
    ] as const
  ).flatMap(([rows, vocab, hidden]) => [
    { name: `NT logits ${rows}×${vocab}×${hidden}`, m: rows, n: vocab, k: hidden, transB: true },
    { name: `TN dW ${vocab}×${hidden}×${rows}`, m: vocab, n: hidden, k: rows, transA: true },
    { name: `NN dx ${rows}×${hidden}×${vocab}`, m: rows, n: hidden, k: vocab },
  ]);
  it.each(headShapes.map((c, i) => [c.name, c, i] as [string, MatmulCase, number]))('split into binding windows: %s equals the reference and the unsplit product', async (_name, c, i) => {
    const lengths = matmulInputLengths(c);
    const a = seededFloats(3000 + i, lengths.a);
    const b = seededFloats(4000 + i, lengths.b);
    const whole = await run(c, a, b);
    const tiles = matmulTiles(c, matmulBlocks(c, 1024, gpu.limits.minStorageBufferOffsetAlignment + 16));
    expect(tiles.length).toBeGreaterThan(1);
    gpu.limitBindingBytes(1024);
    let split: Float32Array;
    try {
      split = await run(c, a, b);
    } finally {
      gpu.limitBindingBytes(null);
    }
    expectClose(split, matmulReference(a, b, c), matmulTolerance(a.map(Math.abs), b.map(Math.abs), c), `${c.name} split`);
    // Without a K split every element is the same dot product in the same order: bit-identical.
    if (!tiles.some((t) => t.accumulate)) expect(split).toEqual(whole);
  });

  it('serves every case from at most 8 pipelines (shapes are uniforms)', () => {
    // TRANS_A × TRANS_B × VEC4 at the default workgroup size.
    expect(pipelineCacheOf(gpu).size).toBeLessThanOrEqual(8);
  });

  it('matmul() infers shapes from tensors and shares a rank-2 operand across a batch', async () => {
    const a = seededFloats(7, 3 * 5 * 6);
    const w = seededFloats(8, 7 * 6); // stored N×K, used transposed (a linear layer's weight)
    const ta = GpuTensor.fromArray(gpu, a, [3, 5, 6]);
    const tw = GpuTensor.fromArray(gpu, w, [7, 6]);
    const c = await matmul(gpu, ta, tw, { transB: true });
    expect(c.shape).toEqual([3, 5, 7]);
    const shape = { m: 5, n: 7, k: 6, batch: 3, transB: true, strideB: 0 };
    expectClose(await c.read(), matmulReference(a, w, shape), matmulTolerance(a.map(Math.abs), w.map(Math.abs), shape), 'broadcast');
    for (const t of [ta, tw, c]) t.dispose();
  });

  it('rejects mismatched inner dimensions with a message naming both shapes', async () => {
    const ta = GpuTensor.zeros(gpu, [2, 3]);
    const tb = GpuTensor.zeros(gpu, [4, 2]);
    await expect(matmul(gpu, ta, tb)).rejects.toThrow(/inner dimensions differ: op\(A\) is 2×3 .* op\(B\) is 4×2/);
    ta.dispose();
    tb.dispose();
  });
});
