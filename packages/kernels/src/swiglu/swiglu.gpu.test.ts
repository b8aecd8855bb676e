import { describeGpu } from '../device/describe-gpu.js';
import { GpuTensor } from '../gpu/tensor.js';
import { wgslStructFields } from '../gpu/uniforms.js';
import { assertClose } from '../kernel-common/plan.js';
import { SWIGLU_CASES, swigluCaseInputs, type SwigluCase } from './swiglu.cases.js';
import { swigluBackward, swigluForward } from './swiglu.reference.js';
import { SWIGLU_PARAMS, SWIGLU_WGSL, swigluBackwardGpu, swigluForwardGpu } from './swiglu.gpu.js';
import { swigluTolerance } from './swiglu.tolerance.js';

await describeGpu('swiglu on WebGPU vs the CPU reference', (gpu) => {
  it('uniform field list matches the WGSL struct', () => {
    expect(wgslStructFields(SWIGLU_WGSL, 'Params')).toEqual([...SWIGLU_PARAMS]);
  });

  it.each(SWIGLU_CASES.map((c) => [c.name, c] as [string, SwigluCase]))('%s: forward and backward', async (_name, c) => {
    const { gate, up, dh } = swigluCaseInputs(c);
    const tg = GpuTensor.fromArray(gpu, gate, [c.n], 'gate');
    const tu = GpuTensor.fromArray(gpu, up, [c.n], 'up');
    const tdh = GpuTensor.fromArray(gpu, dh, [c.n], 'dh');
    const h = await swigluForwardGpu(gpu, tg, tu);
    const { dgate, dup } = await swigluBackwardGpu(gpu, tdh, tg, tu);
    const tol = swigluTolerance(gate, up, dh);
    const ref = swigluBackward(dh, gate, up);
    const hv = await h.read();
    assertClose(hv, swigluForward(gate, up), tol.h, `${c.name} h`);
    assertClose(await dgate.read(), ref.dgate, tol.dgate, `${c.name} dgate`);
    assertClose(await dup.read(), ref.dup, tol.dup, `${c.name} dup`);
    expect(hv.every((v) => !Number.isNaN(v))).toBe(true);
    for (const t of [tg, tu, tdh, h, dgate, dup]) t.dispose();
  });

  it('names the tensor whose shape is wrong', async () => {
    const tg = GpuTensor.zeros(gpu, [4]);
    const tu = GpuTensor.zeros(gpu, [5]);
    await expect(swigluForwardGpu(gpu, tg, tu)).rejects.toThrow(/swiglu: up has shape \[5\]/);
    tg.dispose();
    tu.dispose();
  });
});
