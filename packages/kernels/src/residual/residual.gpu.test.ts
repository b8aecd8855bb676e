import { describeGpu } from '../device/describe-gpu.js';
import { TensorShapeError } from '../device/errors.js';
import { GpuTensor } from '../gpu/tensor.js';
import { wgslStructFields } from '../gpu/uniforms.js';
import { RESIDUAL_CASES, residualCaseInputs, type ResidualCase } from './residual.cases.js';
import { residualAddBackward, residualAddForward, residualAddInto } from './residual.reference.js';
import { RESIDUAL_PARAMS, RESIDUAL_WGSL, residualAddBackwardGpu, residualAddGpu, residualAddIntoGpu } from './residual.gpu.js';

// Tolerance: none. One correctly rounded f32 add equals the reference's f64 sum rounded once to f32,
// so the GPU must be bit-exact (checked with toEqual on the Float32Arrays).
await describeGpu('residual add on WebGPU vs the CPU reference', (gpu) => {
  it('uniform field list matches the WGSL struct', () => {
    expect(wgslStructFields(RESIDUAL_WGSL, 'Params')).toEqual([...RESIDUAL_PARAMS]);
  });

  it.each(RESIDUAL_CASES.map((c) => [c.name, c] as [string, ResidualCase]))('%s: forward and backward, bit-exact', async (_name, c) => {
    const { a, b, dy } = residualCaseInputs(c);
    const ta = GpuTensor.fromArray(gpu, a, [c.n], 'a');
    const tb = GpuTensor.fromArray(gpu, b, [c.n], 'b');
    const tdy = GpuTensor.fromArray(gpu, dy, [c.n], 'dy');
    const y = await residualAddGpu(gpu, ta, tb);
    const { da, db } = await residualAddBackwardGpu(gpu, tdy);
    const ref = residualAddBackward(dy);
    expect(await y.read()).toEqual(residualAddForward(a, b));
    expect(await da.read()).toEqual(ref.da);
    expect(await db.read()).toEqual(ref.db);
    for (const t of [ta, tb, tdy, y, da, db]) t.dispose();
  });

  it.each(RESIDUAL_CASES.map((c) => [c.name, c] as [string, ResidualCase]))('%s: in place (a += b), bit-exact', async (_name, c) => {
    const { a, b } = residualCaseInputs(c);
    const ta = GpuTensor.fromArray(gpu, a, [c.n], 'a');
    const tb = GpuTensor.fromArray(gpu, b, [c.n], 'b');
    await residualAddIntoGpu(gpu, ta, tb);
    const expected = a.slice();
    residualAddInto(expected, b);
    expect(await ta.read()).toEqual(expected);
    expect(await tb.read()).toEqual(b);
    for (const t of [ta, tb]) t.dispose();
  });

  it('refuses to add a tensor into itself or from a smaller one', async () => {
    const ta = GpuTensor.zeros(gpu, [4]);
    const tb = GpuTensor.zeros(gpu, [3]);
    await expect(residualAddIntoGpu(gpu, ta, ta)).rejects.toThrow(/must be distinct/);
    await expect(residualAddIntoGpu(gpu, ta, tb)).rejects.toThrow(TensorShapeError);
    ta.dispose();
    tb.dispose();
  });

  it('passes ±∞ through', async () => {
    const a = Float32Array.of(Infinity, -Infinity, 1);
    const b = Float32Array.of(1, 2, -Infinity);
    const ta = GpuTensor.fromArray(gpu, a, [3]);
    const tb = GpuTensor.fromArray(gpu, b, [3]);
    const y = await residualAddGpu(gpu, ta, tb);
    expect(await y.read()).toEqual(residualAddForward(a, b));
    for (const t of [ta, tb, y]) t.dispose();
  });

  it('names the tensor whose shape is wrong', async () => {
    const ta = GpuTensor.zeros(gpu, [4]);
    const tb = GpuTensor.zeros(gpu, [2, 3]);
    await expect(residualAddGpu(gpu, ta, tb)).rejects.toThrow(/residual: b has shape \[2, 3\]/);
    ta.dispose();
    tb.dispose();
  });
});
