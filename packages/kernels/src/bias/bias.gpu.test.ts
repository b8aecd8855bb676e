import { describeGpu } from '../device/describe-gpu.js';
import { TensorShapeError } from '../device/errors.js';
import { GpuTensor } from '../gpu/tensor.js';
import { wgslStructFields } from '../gpu/uniforms.js';
import { assertClose } from '../kernel-common/plan.js';
import { BIAS_CASES, biasCaseInputs, type BiasCase } from './bias.cases.js';
import { BIAS_PARAMS, BIAS_WGSL, biasAddGpu, biasGradGpu } from './bias.gpu.js';
import { biasAddForward, biasGrad } from './bias.reference.js';
import { biasGradTolerance } from './bias.tolerance.js';

await describeGpu('bias add and bias gradient on WebGPU vs the CPU reference', (gpu) => {
  it('uniform field list matches the WGSL struct', () => {
    expect(wgslStructFields(BIAS_WGSL, 'Params')).toEqual([...BIAS_PARAMS]);
  });

  it.each(BIAS_CASES.map((c) => [c.name, c] as [string, BiasCase]))('%s: add (bit-exact) and gradient', async (_name, c) => {
    const { y, bias, dy } = biasCaseInputs(c);
    const ty = GpuTensor.fromArray(gpu, y, [c.rows, c.n], 'y');
    const tb = GpuTensor.fromArray(gpu, bias, [c.n], 'bias');
    const tdy = GpuTensor.fromArray(gpu, dy, [c.rows, c.n], 'dy');
    try {
      await biasAddGpu(gpu, ty, tb, c.rows, c.n);
      expect(await ty.read()).toEqual(biasAddForward(y, bias));
      const db = await biasGradGpu(gpu, tdy, c.rows, c.n);
      assertClose(await db.read(), biasGrad(Float64Array.from(dy), c.n), biasGradTolerance(dy, c.rows, c.n), `${c.name} db`);
      db.dispose();
    } finally {
      for (const t of [ty, tb, tdy]) t.dispose();
    }
  });

  it('names the tensor whose shape is wrong', async () => {
    const y = GpuTensor.zeros(gpu, [2, 3]);
    const bias = GpuTensor.zeros(gpu, [4]);
    await expect(biasAddGpu(gpu, y, bias, 2, 3)).rejects.toThrow(TensorShapeError);
    await expect(biasAddGpu(gpu, y, bias, 2, 3)).rejects.toThrow(/bias add: bias has shape \[4\]/);
    await expect(biasGradGpu(gpu, y, 3, 3)).rejects.toThrow(/bias grad: dy has shape \[2, 3\]/);
    y.dispose();
    bias.dispose();
  });
});
