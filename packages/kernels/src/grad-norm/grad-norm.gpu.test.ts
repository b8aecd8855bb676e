import { describeGpu } from '../device/describe-gpu.js';
import { GpuTensor } from '../gpu/tensor.js';
import { bindingWindows } from '../gpu/windows.js';
import { wgslStructFields } from '../gpu/uniforms.js';
import { F32_U as U, assertClose } from '../kernel-common/plan.js';
import { gradNormTolerance } from './grad-norm.tolerance.js';
import { GRAD_NORM_CASES, gradNormCaseInputs, type GradNormCase } from './grad-norm.cases.js';
import { clipGradNorm, globalGradNorm } from './grad-norm.reference.js';
import { GRAD_NORM_PARAMS, GRAD_NORM_WGSL, clipGradNormGpu, gradNormGpu, gradNormLayout } from './grad-norm.gpu.js';

await describeGpu('grad-norm on WebGPU vs the CPU reference', (gpu) => {
  it('uniform field list matches the WGSL struct', () => {
    expect(wgslStructFields(GRAD_NORM_WGSL, 'Params')).toEqual([...GRAD_NORM_PARAMS]);
  });

  it.each(GRAD_NORM_CASES.map((c) => [c.name, c] as [string, GradNormCase]))('%s: norm and clip', async (_name, c) => {
    const grads = gradNormCaseInputs(c);
    const tensors = grads.map((g, k) => GpuTensor.fromArray(gpu, g, [g.length], `grads[${k}]`));
    const rel = gradNormTolerance(grads.map((g) => g.length));
    const refNorm = globalGradNorm(grads);
    const norm = await gradNormGpu(gpu, tensors);
    assertClose([norm], [refNorm], [rel * refNorm + 1e-30], `${c.name} norm`);

    const ref = grads.map((g) => g.slice());
    const refClip = clipGradNorm(ref, c.maxNorm);
    const clip = await clipGradNormGpu(gpu, tensors, c.maxNorm);
    assertClose([clip.scale], [refClip.scale], [rel * refClip.scale + 1e-30], `${c.name} scale`);
    for (let k = 0; k < grads.length; k++) {
      const actual = await tensors[k]!.read();
      if (refClip.scale === 1 && clip.scale === 1) {
        expect(actual).toEqual(grads[k]); // unclipped gradients stay bit-exact
      } else {
        assertClose(
          actual,
          ref[k]!,
          Float64Array.from(ref[k]!, (v) => (rel + 2 * U) * Math.abs(v) + 1e-30),
          `${c.name} grads[${k}]`,
        );
      }
    }
    for (const t of tensors) t.dispose();
  });

  it('norms and clips tensors larger than one binding window by window', async () => {
    // 257k elements over 3 tensors at a 64 KiB limit: 10 + 7 + 1 windows of ≤ 16384 elements.
    const c = GRAD_NORM_CASES.find((x) => x.name.startsWith('257k'))!;
    const grads = gradNormCaseInputs(c);
    const tensors = grads.map((g, k) => GpuTensor.fromArray(gpu, g, [g.length], `grads[${k}]`));
    gpu.limitBindingBytes(65536);
    try {
      const windows = tensors.flatMap((t) => bindingWindows(gpu, t, 1));
      expect(windows).toHaveLength(18);
      // The stage-1 layout is that of the windows (one partial-sum run per window).
      const rel = gradNormTolerance(windows.map((w) => w.rows));
      const refNorm = globalGradNorm(grads);
      assertClose([await gradNormGpu(gpu, tensors)], [refNorm], [rel * refNorm + 1e-30], 'split norm');
      const ref = grads.map((g) => g.slice());
      const refClip = clipGradNorm(ref, 0.01);
      const clip = await clipGradNormGpu(gpu, tensors, 0.01);
      expect(clip.scale).toBeLessThan(1);
      for (let k = 0; k < grads.length; k++) {
        assertClose(
          await tensors[k]!.read(),
          ref[k]!,
          Float64Array.from(ref[k]!, (v) => (rel + 2 * U) * Math.abs(v) + 1e-30),
          `split grads[${k}]`,
        );
      }
      expect(clip.scale).toBeCloseTo(refClip.scale, 6);
    } finally {
      gpu.limitBindingBytes(null);
      for (const t of tensors) t.dispose();
    }
  });

  it('refuses to clip a non-finite gradient and leaves it unscaled', async () => {
    const g = Float32Array.of(1, Infinity, 2);
    const t = GpuTensor.fromArray(gpu, g, [3]);
    await expect(clipGradNormGpu(gpu, [t], 1)).rejects.toThrow(/gradient norm is Infinity/);
    expect(await t.read()).toEqual(g);
    t.dispose();
  });

  it('keeps the partial sums under the stage-2 bound for large models', () => {
    expect(gradNormLayout([500_000_000]).total).toBeLessThanOrEqual(16384);
    expect(gradNormLayout([257_001]).chunk).toBe(256);
  });
});
