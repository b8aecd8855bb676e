import { describeGpu } from '../device/describe-gpu.js';
import { GpuTensor } from '../gpu/tensor.js';
import { wgslStructFields } from '../gpu/uniforms.js';
import { assertClose, submitPlans } from '../kernel-common/plan.js';
import { EMBEDDING_CASES, embeddingCaseInputs, type EmbeddingCase } from '../reference/embedding.cases.js';
import { embeddingBackward, embeddingForward } from '../reference/embedding.js';
import { EMBEDDING_PARAMS, EMBEDDING_WGSL, embeddingBackwardGpu, embeddingCsr, embeddingForwardGpu, planEmbeddingBackward } from './embedding.js';

/**
 * Tolerances: the gather is a copy, so bit-exact. The scatter-add sums an id's c occurrences in f32 in
 * position order; the reference sums them in f64 and rounds once, so per element
 * |gpu − ref| ≤ (c + 1)·2⁻²⁴·Σ|dout| (γ_c for the sum plus the reference's rounding); we use the largest
 * c of the case for every element, plus a 1e-30 floor for rows that are exactly 0.
 */
function scatterTolerance(dout: Float32Array, ids: Int32Array, c: EmbeddingCase): Float64Array {
  const counts = new Map<number, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const maxCount = Math.max(1, ...counts.values());
  const mag = embeddingBackward(Float64Array.from(dout, Math.abs), ids, c.dims);
  return mag.map((m) => (maxCount + 1) * 2 ** -24 * m + 1e-30);
}

await describeGpu('embedding on WebGPU vs the CPU reference', (gpu) => {
  it('uniform field list matches the WGSL struct', () => {
    expect(wgslStructFields(EMBEDDING_WGSL, 'Params')).toEqual([...EMBEDDING_PARAMS]);
  });

  it('builds the CSR index: unique ids ascending, positions in order', () => {
    const csr = embeddingCsr(Uint32Array.of(3, 3, 0, 3, 4, 0, 3));
    expect([...csr.unique]).toEqual([0, 3, 4]);
    expect([...csr.offsets]).toEqual([0, 2, 6, 7]);
    expect([...csr.positions]).toEqual([2, 5, 0, 1, 3, 6, 4]);
  });

  it.each(EMBEDDING_CASES.map((c) => [c.name, c] as [string, EmbeddingCase]))('%s: gather (bit-exact) and scatter-add', async (_name, c) => {
    const { table, dout } = embeddingCaseInputs(c);
    const tt = GpuTensor.fromArray(gpu, table, [c.dims.vocab, c.dims.hidden], 'table');
    const td = GpuTensor.fromArray(gpu, dout, [c.ids.length, c.dims.hidden], 'dout');
    const out = await embeddingForwardGpu(gpu, tt, c.ids, c.dims);
    const dtable = await embeddingBackwardGpu(gpu, td, c.ids, c.dims);
    expect(await out.read()).toEqual(embeddingForward(table, c.ids, c.dims));
    assertClose(await dtable.read(), embeddingBackward(dout, c.ids, c.dims), scatterTolerance(dout, c.ids, c), `${c.name} dtable`);
    for (const t of [tt, td, out, dtable]) t.dispose();
  });

  it('accumulates into an existing gradient and is bit-reproducible', async () => {
    const c = EMBEDDING_CASES[1]!;
    const { dout } = embeddingCaseInputs(c);
    const td = GpuTensor.fromArray(gpu, dout, [c.ids.length, c.dims.hidden]);
    const base = new Float32Array(c.dims.vocab * c.dims.hidden).fill(1);
    const acc = GpuTensor.fromArray(gpu, base, [c.dims.vocab, c.dims.hidden]);
    await submitPlans(gpu, 'embedding backward', () => planEmbeddingBackward(gpu, td, c.ids, acc, c.dims, true));
    const once = await embeddingBackwardGpu(gpu, td, c.ids, c.dims);
    const twice = await embeddingBackwardGpu(gpu, td, c.ids, c.dims);
    const g = await once.read();
    expect(await twice.read()).toEqual(g);
    expect(await acc.read()).toEqual(g.map((v) => Math.fround(v + 1)));
    for (const t of [td, acc, once, twice]) t.dispose();
  });

  it('names the bad id and the tensor whose shape is wrong', async () => {
    const tt = GpuTensor.zeros(gpu, [5, 2]);
    await expect(embeddingForwardGpu(gpu, tt, [1, 5], { vocab: 5, hidden: 2 })).rejects.toThrow(/ids\[1\] = 5/);
    await expect(embeddingForwardGpu(gpu, tt, [1], { vocab: 4, hidden: 2 })).rejects.toThrow(/embedding: table has shape \[5, 2\]/);
    tt.dispose();
  });
});
