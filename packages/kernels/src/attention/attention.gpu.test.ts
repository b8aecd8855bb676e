import { describeGpu } from '../device/describe-gpu.js';
import { GpuTensor } from '../gpu/tensor.js';
import { wgslStructFields } from '../gpu/uniforms.js';
import { assertClose } from '../kernel-common/plan.js';
import { ATTENTION_CASES, attentionCaseInputs, type AttentionCase } from './attention.cases.js';
import { attentionBackward, attentionForward } from './attention.reference.js';
import { ATTENTION_BACKWARD_WGSL, ATTENTION_PARAMS, ATTENTION_WGSL, attentionBackwardGpu, attentionForwardGpu } from './attention.gpu.js';
import { attentionTolerance } from './attention.tolerance.js';

await describeGpu('causal GQA attention on WebGPU vs the CPU reference', (gpu) => {
  it('uniform field lists match the WGSL structs', () => {
    expect(wgslStructFields(ATTENTION_WGSL, 'Params')).toEqual([...ATTENTION_PARAMS]);
    expect(wgslStructFields(ATTENTION_BACKWARD_WGSL, 'Params')).toEqual([...ATTENTION_PARAMS]);
  });

  it.each(ATTENTION_CASES.map((c) => [c.name, c] as [string, AttentionCase]))('%s: forward and backward (with and without o)', async (_name, c) => {
    const { q, k, v, dO } = attentionCaseInputs(c);
    const d = c.dims;
    const qShape = [d.batch, d.seq, d.numHeads, d.headDim];
    const kShape = [d.batch, d.seq, d.numKvHeads, d.headDim];
    const tq = GpuTensor.fromArray(gpu, q, qShape, 'q');
    const tk = GpuTensor.fromArray(gpu, k, kShape, 'k');
    const tv = GpuTensor.fromArray(gpu, v, kShape, 'v');
    const tdo = GpuTensor.fromArray(gpu, dO, qShape, 'dO');
    const { o, lse } = await attentionForwardGpu(gpu, tq, tk, tv, c.mask, d);
    const withO = await attentionBackwardGpu(gpu, tdo, tq, tk, tv, c.mask, o, lse, d);
    const withoutO = await attentionBackwardGpu(gpu, tdo, tq, tk, tv, c.mask, null, lse, d);
    const tol = attentionTolerance(q, k, v, dO, c.mask, d);
    const ref = attentionForward(Float64Array.from(q), k, v, c.mask, d);
    const refB = attentionBackward(Float64Array.from(dO), q, k, v, c.mask, d);
    const oGpu = await o.read();
    assertClose(oGpu, ref.o, tol.o, `${c.name} o`);
    assertClose(await lse.read(), ref.lse, tol.lse, `${c.name} lse`);
    expect(oGpu.some(Number.isNaN)).toBe(false);
    for (const [mode, g] of [
      ['with o', withO],
      ['without o', withoutO],
    ] as const) {
      assertClose(await g.dq.read(), refB.dq, tol.dq, `${c.name} dq (${mode})`);
      assertClose(await g.dk.read(), refB.dk, tol.dk, `${c.name} dk (${mode})`);
      assertClose(await g.dv.read(), refB.dv, tol.dv, `${c.name} dv (${mode})`);
    }
    for (const t of [tq, tk, tv, tdo, o, lse, withO.dq, withO.dk, withO.dv, withoutO.dq, withoutO.dk, withoutO.dv]) t.dispose();
  });

  it('handles headDim 128 (the largest supported) on a small shape', async () => {
    const d = { batch: 1, seq: 3, numHeads: 2, numKvHeads: 1, headDim: 128 };
    const c: AttentionCase = { name: 'd=128', dims: d, mask: Int32Array.of(1, 1, 1), seed: 9, scale: 1, fd: false };
    const { q, k, v, dO } = attentionCaseInputs(c);
    const tq = GpuTensor.fromArray(gpu, q, [1, 3, 2, 128]);
    const tk = GpuTensor.fromArray(gpu, k, [1, 3, 1, 128]);
    const tv = GpuTensor.fromArray(gpu, v, [1, 3, 1, 128]);
    const tdo = GpuTensor.fromArray(gpu, dO, [1, 3, 2, 128]);
    const { o, lse } = await attentionForwardGpu(gpu, tq, tk, tv, c.mask, d);
    const g = await attentionBackwardGpu(gpu, tdo, tq, tk, tv, c.mask, o, lse, d);
    const tol = attentionTolerance(q, k, v, dO, c.mask, d);
    const ref = attentionForward(Float64Array.from(q), k, v, c.mask, d);
    const refB = attentionBackward(Float64Array.from(dO), q, k, v, c.mask, d);
    assertClose(await o.read(), ref.o, tol.o, 'd=128 o');
    assertClose(await lse.read(), ref.lse, tol.lse, 'd=128 lse');
    assertClose(await g.dq.read(), refB.dq, tol.dq, 'd=128 dq');
    assertClose(await g.dk.read(), refB.dk, tol.dk, 'd=128 dk');
    assertClose(await g.dv.read(), refB.dv, tol.dv, 'd=128 dv');
    for (const t of [tq, tk, tv, tdo, o, lse, g.dq, g.dk, g.dv]) t.dispose();
  });

  it('names the tensor whose shape is wrong, and rejects bad masks and head dims', async () => {
    const d = { batch: 1, seq: 2, numHeads: 2, numKvHeads: 1, headDim: 4 };
    const tq = GpuTensor.zeros(gpu, [1, 2, 2, 4]);
    const tk = GpuTensor.zeros(gpu, [1, 2, 1, 4]);
    const bad = GpuTensor.zeros(gpu, [1, 2, 2, 3]);
    await expect(attentionForwardGpu(gpu, tq, bad, tk, [1, 1], d)).rejects.toThrow(/attention: k has shape \[1, 2, 2, 3\]/);
    await expect(attentionForwardGpu(gpu, tq, tk, tk, [1, 2], d)).rejects.toThrow(/mask\[1\] = 2/);
    await expect(attentionForwardGpu(gpu, tq, tk, tk, [1], d)).rejects.toThrow(/mask has 1 entries/);
    await expect(attentionForwardGpu(gpu, tq, tk, tk, [1, 1], { ...d, headDim: 256 })).rejects.toThrow(/headDim=256/);
    const { o, lse } = await attentionForwardGpu(gpu, tq, tk, tk, [1, 1], d);
    await expect(attentionBackwardGpu(gpu, bad, tq, tk, tk, [1, 1], o, lse, d)).rejects.toThrow(/attention backward: dO has shape/);
    await expect(attentionBackwardGpu(gpu, tq, tq, tk, tk, [1, 1], o, tk, d)).rejects.toThrow(/attention backward: lse has shape/);
    for (const t of [tq, tk, bad, o, lse]) t.dispose();
  });
});
