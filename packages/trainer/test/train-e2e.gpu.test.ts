/**
 * The same end-to-end run on the webgpu backend (lavapipe in CI): the policy trains in WGSL kernels
 * while the sampler runs ONNX Runtime; resume is checked within a stated tolerance.
 */
import { join } from 'node:path';
// A test-only helper of @rlvr/kernels (it calls jest's globals), from its `testing` subpath, not its API.
import { describeGpu } from '@rlvr/kernels/testing';
import { runTraining } from '../src/loop/run-training.js';
import type { StepMetrics } from '../src/metrics/index.js';
import { metricsOf, tinyConfig, tinyRun } from './tiny-run.js';

// The WGSL kernels are deterministic (fixed summation orders, no float atomics), so a resumed run on
// the same adapter should repeat the straight run exactly; the tolerance only allows for an adapter
// that reassociates differently across pipeline recompiles: 1e-5 relative on every metric.
const RESUME_TOL = 1e-5;

await describeGpu('rlvr train on the webgpu backend', () => {
  let run: ReturnType<typeof tinyRun>;
  beforeAll(() => {
    run = tinyRun();
  });
  afterAll(() => run.cleanup());

  it.each(['grpo', 'rloo', 'dr-grpo', 'sqrt-r', 'uniform-r', 'plateau-r'])(
    '%s: 2 steps with finite metrics and a non-zero gradient',
    async (weighting) => {
      const runDir = join(run.root, `webgpu-${weighting}`);
      await runTraining({ config: tinyConfig(run.modelDir, { backend: 'webgpu', weighting: { name: weighting, zeroVariance: 'reinforce' } }), runDir });
      const steps = metricsOf(runDir).filter((r): r is StepMetrics => r.kind === 'step');
      expect(steps.map((r) => r.step)).toEqual([1, 2]);
      for (const r of steps) {
        for (const key of ['loss', 'gradNorm', 'entropy', 'kl', 'clipFraction', 'logprobGapMean'] as const) expect([key, Number.isFinite(r[key])]).toEqual([key, true]);
        expect(r.gradNorm).toBeGreaterThan(0);
      }
    },
    120_000,
  );

  it('trains with linear-r, and 2 steps + resume + 1 step matches 3 straight steps', async () => {
    const c3 = tinyConfig(run.modelDir, { backend: 'webgpu', maxSteps: 3, weighting: { name: 'linear-r', zeroVariance: 'reinforce' }, checkpoint: { interval: 2 } });
    const straight = join(run.root, 'straight');
    const split = join(run.root, 'split');
    await runTraining({ config: c3, runDir: straight });
    await runTraining({ config: { ...c3, maxSteps: 2 }, runDir: split });
    await runTraining({ config: c3, runDir: split, resume: true });
    const a = metricsOf(straight).filter((r): r is StepMetrics => r.kind === 'step');
    const b = metricsOf(split).filter((r): r is StepMetrics => r.kind === 'step');
    expect(b.map((r) => r.step)).toEqual([1, 2, 3]);
    for (const [i, r] of a.entries()) {
      expect(r.gradNorm).toBeGreaterThan(0);
      for (const key of ['loss', 'gradNorm', 'entropy', 'rewardMean', 'accuracy', 'logprobGapMean'] as const) {
        expect(Number.isFinite(r[key])).toBe(true);
        expect(Math.abs(b[i]![key] - r[key])).toBeLessThanOrEqual(RESUME_TOL * Math.max(1, Math.abs(r[key])));
      }
      expect(b[i]!.rhoHistogram).toEqual(r.rhoHistogram);
    }
    // The sampler (ONNX Runtime, f32) and the WGSL policy see the same weights: their logprobs agree closely.
    for (const r of a) expect(r.logprobGapMaxAbs).toBeLessThan(1e-3);
  }, 300_000);
});
