import { describeGpu } from '../device/describe-gpu.js';
import { GpuTensor } from '../gpu/tensor.js';
import { bindingWindows } from '../gpu/windows.js';
import { wgslStructFields } from '../gpu/uniforms.js';
import { assertClose, submitPlans } from '../kernel-common/plan.js';
import { EMBEDDING_CASES, embeddingCaseInputs, type EmbeddingCase } from './embedding.cases.js';
import { embeddingScatterTolerance } from './embedding.tolerance.js';
import { embeddingBackward, embeddingForward } from './embedding.reference.js';
import { EMBEDDING_PARAMS, EMBEDDING_WGSL, embeddingBackwardGpu, embeddingCsr, embeddingForwardGpu, planEmbeddingBackward } from './embedding.gpu.js';

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
    assertClose(await dtable.read(), embeddingBackward(dout, c.ids, c.dims), embeddingScatterTolerance(dout, c.ids, c.dims), `${c.name} dtable`);
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

  it('splits a table larger than one binding into row windows: gather, scatter and accumulate equal the unsplit kernels', async () => {
    // vocab 1000 × hidden 65 is 260 kB; at a 128 KiB limit the table is 3 windows of ≤ 448 rows (rows
    // of 260 B may start only every 64 rows), and ids land in every window. dout (79 kB) fits one.
    const c = EMBEDDING_CASES.find((x) => x.dims.vocab === 1000)!;
    const { table, dout } = embeddingCaseInputs(c);
    const ids = Int32Array.from([...c.ids, 999, 0, 999]);
    const doutAll = Float32Array.from([...dout, ...dout.subarray(0, 3 * c.dims.hidden)]);
    const tt = GpuTensor.fromArray(gpu, table, [c.dims.vocab, c.dims.hidden], 'table');
    const td = GpuTensor.fromArray(gpu, doutAll, [ids.length, c.dims.hidden], 'dout');
    const ones = new Float32Array(table.length).fill(1);
    const run = async (): Promise<Float32Array[]> => {
      const out = await embeddingForwardGpu(gpu, tt, ids, c.dims);
      const dtable = await embeddingBackwardGpu(gpu, td, ids, c.dims);
      const acc = GpuTensor.fromArray(gpu, ones, [c.dims.vocab, c.dims.hidden], 'acc');
      await submitPlans(gpu, 'embedding backward', () => planEmbeddingBackward(gpu, td, ids, acc, c.dims, true));
      const result = [await out.read(), await dtable.read(), await acc.read()];
      for (const t of [out, dtable, acc]) t.dispose();
      return result;
    };
    const whole = await run();
    gpu.limitBindingBytes(131072);
    let split: Float32Array[];
    try {
      expect(bindingWindows(gpu, tt, c.dims.hidden).map((w) => w.rows)).toEqual([448, 448, 104]);
      split = await run();
    } finally {
      gpu.limitBindingBytes(null);
    }
    expect(split[0]).toEqual(embeddingForward(table, ids, c.dims));
    // Per element the scatter sums the same terms in the same order whatever the window: bit-identical.
    expect(split[1]).toEqual(whole[1]);
    expect(split[2]).toEqual(whole[2]);
    assertClose(split[1]!, embeddingBackward(doutAll, ids, c.dims), embeddingScatterTolerance(doutAll, ids, c.dims), 'split dtable');
    for (const t of [tt, td]) t.dispose();
  });

  it('gathers rows from the last window of a table genuinely larger than one storage binding', async () => {
    // Rows of Qwen2.5-0.5B's width (896), enough of them to exceed the adapter's binding limit by
    // 5000 rows (128 MiB on lavapipe: 42,449 rows, 152 MB). Adapters with bindings over 256 MiB skip
    // this (the table would be too large for a quick test); the lowered-limit test above covers them.
    const hidden = 896;
    if (gpu.maxBindingBytes > 256 * 2 ** 20) {
      process.stderr.write(`embedding: real over-binding test skipped, binding limit is ${gpu.maxBindingBytes} bytes\n`);
      return;
    }
    const vocab = Math.floor(gpu.maxBindingBytes / (hidden * 4)) + 5000;
    const table = new Float32Array(vocab * hidden);
    // Distinct exact values per (row, column): row mod 4096 and the column are both recoverable.
    for (let r = 0; r < vocab; r++) table.fill(r % 4096, r * hidden, (r + 1) * hidden);
    for (let i = 0; i < table.length; i += 7) table[i] = -table[i]! - 0.5;
    const tt = GpuTensor.fromArray(gpu, table, [vocab, hidden], 'big-table');
    try {
      expect(tt.size * 4).toBeGreaterThan(gpu.maxBindingBytes);
      const windows = bindingWindows(gpu, tt, hidden);
      expect(windows.length).toBe(2);
      const ids = [vocab - 1, windows[1]!.row0, windows[1]!.row0 - 1, 0, vocab - 4321];
      const dims = { vocab, hidden };
      const out = await embeddingForwardGpu(gpu, tt, ids, dims);
      expect(await out.read()).toEqual(embeddingForward(table, Int32Array.from(ids), dims));
      out.dispose();
    } finally {
      tt.dispose();
    }
  });

  it('names the bad id and the tensor whose shape is wrong', async () => {
    const tt = GpuTensor.zeros(gpu, [5, 2]);
    await expect(embeddingForwardGpu(gpu, tt, [1, 5], { vocab: 5, hidden: 2 })).rejects.toThrow(/ids\[1\] = 5/);
    await expect(embeddingForwardGpu(gpu, tt, [1], { vocab: 4, hidden: 2 })).rejects.toThrow(/embedding: table has shape \[5, 2\]/);
    tt.dispose();
  });
});
