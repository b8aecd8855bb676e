import { describeGpu } from '../device/describe-gpu.js';
import { GpuTensor } from '../gpu/tensor.js';
import { bindingWindows } from '../gpu/windows.js';
import { seededFloats } from '@rlvr/core';
import { wgslStructFields } from '../gpu/uniforms.js';
import { assertClose } from '../kernel-common/plan.js';
import { ADAMW_CASES, adamwCaseInputs, type AdamWCase } from './adamw.cases.js';
import { adamwStep } from './adamw.reference.js';
import { ADAMW_PARAMS, ADAMW_WGSL, adamwScalars, adamwStepGpu } from './adamw.gpu.js';
import { AdamwTolerance } from './adamw.tolerance.js';

await describeGpu('adamw on WebGPU vs the CPU reference', (gpu) => {
  it('uniform field list matches the WGSL struct', () => {
    expect(wgslStructFields(ADAMW_WGSL, 'Params')).toEqual([...ADAMW_PARAMS]);
  });

  it.each(ADAMW_CASES.map((c) => [c.name, c] as [string, AdamWCase]))('%s: every step', async (_name, c) => {
    const { param, grads } = adamwCaseInputs(c);
    const p = param.slice();
    const m = new Float32Array(c.n);
    const v = new Float32Array(c.n);
    const tp = GpuTensor.fromArray(gpu, param, [c.n], 'param');
    const tg = GpuTensor.zeros(gpu, [c.n], 'grad');
    const tm = GpuTensor.zeros(gpu, [c.n], 'm');
    const tv = GpuTensor.zeros(gpu, [c.n], 'v');
    const tol = new AdamwTolerance(c.n, c.options.beta1);
    for (let s = 1; s <= c.steps; s++) {
      const g = grads[s - 1]!;
      tg.write(g);
      await adamwStepGpu(gpu, tp, tg, tm, tv, s, c.options);
      const before = p.slice();
      adamwStep(p, g, m, v, s, c.options);
      tol.step(g, before, p, adamwScalars(s, c.options).decay);
      const t = tol.current(v);
      assertClose(await tm.read(), m, t.m, `${c.name} m after step ${s}`);
      assertClose(await tv.read(), v, t.v, `${c.name} v after step ${s}`);
      assertClose(await tp.read(), p, t.p, `${c.name} param after step ${s}`);
    }
    for (const t of [tp, tg, tm, tv]) t.dispose();
  });

  it('updates a parameter larger than one binding window by window, bit-identical to one dispatch', async () => {
    // n = 4097 at a 1 KiB limit: 17 windows of 256 elements (the last holds 1).
    const c = ADAMW_CASES.find((x) => x.n === 4097)!;
    const { param } = adamwCaseInputs(c);
    const grads = [seededFloats(91, c.n, 1), seededFloats(92, c.n, 1e-3)];
    const run = async (): Promise<Float32Array[]> => {
      const t = [GpuTensor.fromArray(gpu, param, [c.n], 'param'), GpuTensor.zeros(gpu, [c.n], 'grad'), GpuTensor.zeros(gpu, [c.n], 'm'), GpuTensor.zeros(gpu, [c.n], 'v')] as const;
      for (let s = 1; s <= grads.length; s++) {
        t[1].write(grads[s - 1]!);
        await adamwStepGpu(gpu, t[0], t[1], t[2], t[3], s, c.options);
      }
      const out = [await t[0].read(), await t[2].read(), await t[3].read()];
      for (const x of t) x.dispose();
      return out;
    };
    const whole = await run();
    const probe = GpuTensor.zeros(gpu, [c.n], 'probe');
    gpu.limitBindingBytes(1024);
    try {
      expect(bindingWindows(gpu, probe, 1)).toHaveLength(17);
      // Element-wise, so the windows must reproduce the one-dispatch result exactly (the case table
      // above checks that against the reference).
      expect(await run()).toEqual(whole);
    } finally {
      gpu.limitBindingBytes(null);
      probe.dispose();
    }
  });

  it('names the tensor whose shape is wrong and refuses aliasing', async () => {
    const a = GpuTensor.zeros(gpu, [4]);
    const b = GpuTensor.zeros(gpu, [3]);
    const c = GpuTensor.zeros(gpu, [4]);
    const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
    await expect(adamwStepGpu(gpu, a, b, c, c, 1, o)).rejects.toThrow(/adamw: grad has shape \[3\]/);
    await expect(adamwStepGpu(gpu, a, c, c, a, 1, o)).rejects.toThrow(/distinct/);
    for (const t of [a, b, c]) t.dispose();
  });
});
