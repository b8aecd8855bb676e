import { describeGpu } from '../device/describe-gpu.js';
import { GpuTensor } from '../gpu/tensor.js';
import { wgslStructFields } from '../gpu/uniforms.js';
import { assertClose } from '../kernel-common/plan.js';
import { RMSNORM_CASES, rmsNormCaseInputs, type RmsNormCase } from './rmsnorm.cases.js';
import { rmsNormBackward, rmsNormForward } from './rmsnorm.reference.js';
import { RMSNORM_BACKWARD_PARAMS, RMSNORM_BACKWARD_WGSL, RMSNORM_PARAMS, RMSNORM_WGSL, rmsNormBackwardGpu, rmsNormForwardGpu } from './rmsnorm.gpu.js';
import { rmsNormTolerance } from './rmsnorm.tolerance.js';

await describeGpu('rmsnorm on WebGPU vs the CPU reference', (gpu) => {
  it('uniform field lists match the WGSL structs', () => {
    expect(wgslStructFields(RMSNORM_WGSL, 'Params')).toEqual([...RMSNORM_PARAMS]);
    expect(wgslStructFields(RMSNORM_BACKWARD_WGSL, 'Params')).toEqual([...RMSNORM_BACKWARD_PARAMS]);
  });

  it.each(RMSNORM_CASES.map((c) => [c.name, c] as [string, RmsNormCase]))('%s: forward and backward', async (_name, c) => {
    const { x, weight, dy } = rmsNormCaseInputs(c);
    const d = c.dims;
    const tx = GpuTensor.fromArray(gpu, x, [d.rows, d.hidden], 'x');
    const tw = GpuTensor.fromArray(gpu, weight, [d.hidden], 'weight');
    const tdy = GpuTensor.fromArray(gpu, dy, [d.rows, d.hidden], 'dy');
    const { y, rstd } = await rmsNormForwardGpu(gpu, tx, tw, d);
    const { dx, dweight } = await rmsNormBackwardGpu(gpu, tdy, tx, tw, rstd, d);
    const tol = rmsNormTolerance(x, weight, dy, d);
    const ref = rmsNormForward(x, weight, d);
    const refB = rmsNormBackward(dy, x, weight, d);
    assertClose(await y.read(), ref.y, tol.y, `${c.name} y`);
    assertClose(await rstd.read(), ref.rstd, tol.rstd, `${c.name} rstd`);
    assertClose(await dx.read(), refB.dx, tol.dx, `${c.name} dx`);
    assertClose(await dweight.read(), refB.dweight, tol.dweight, `${c.name} dweight`);
    for (const t of [tx, tw, tdy, y, rstd, dx, dweight]) t.dispose();
  });

  it('names the tensor whose shape is wrong', async () => {
    const tx = GpuTensor.zeros(gpu, [2, 4]);
    const tw = GpuTensor.zeros(gpu, [3]);
    await expect(rmsNormForwardGpu(gpu, tx, tw, { rows: 2, hidden: 4, eps: 1e-6 })).rejects.toThrow(/rmsnorm: weight has shape \[3\]/);
    tx.dispose();
    tw.dispose();
  });
});
