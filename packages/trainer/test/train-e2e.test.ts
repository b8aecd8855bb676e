/**
 * End to end through the real components: the sampler's ONNX Runtime graph, the verifier pool, the
 * weightings, the kernels' DecoderModel (cpu backend here; webgpu in train-e2e.gpu.test.ts), metrics,
 * checkpoints and resume — on a tiny model the test writes itself.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensorsSync } from '@rlvr/core';
import { runTraining } from '../src/loop/run-training.js';
import { CheckpointError } from '../src/checkpoint/index.js';
import { DivergenceError } from '../src/errors.js';
import { metricsOf, timeless, tinyConfig, tinyRun } from './tiny-run.js';

let run: ReturnType<typeof tinyRun>;
beforeAll(() => {
  run = tinyRun();
});
afterAll(() => run.cleanup());

describe('rlvr train, end to end on the cpu backend', () => {
  it.each(['grpo', 'rloo', 'dr-grpo', 'linear-r', 'sqrt-r', 'uniform-r', 'plateau-r'])('%s: finite metrics for every step, a checkpoint at the end', async (weighting) => {
    const runDir = join(run.root, `run-${weighting}`);
    const result = await runTraining({ config: tinyConfig(run.modelDir, { weighting: { name: weighting, zeroVariance: 'reinforce' } }), runDir });
    expect(result.steps).toBe(2);
    const steps = metricsOf(runDir).filter((r) => r.kind === 'step');
    expect(steps.map((r) => r.step)).toEqual([1, 2]);
    for (const r of steps) {
      for (const [k, v] of Object.entries(r)) if (typeof v === 'number') expect([k, Number.isFinite(v)]).toEqual([k, true]);
      expect(r.rhoHistogram.reduce((a, b) => a + b, 0)).toBe(3);
      expect(r.sampledResponses).toBe(r.step * 12);
    }
    // zeroVariance 'reinforce' gives every response a non-zero advantage: every step trains.
    expect(steps.every((r) => r.gradNorm > 0)).toBe(true);
    expect(readdirSync(join(runDir, 'checkpoints'))).toEqual(['step-2']);
  });

  it('3 steps + resume + 3 steps gives the same metrics and weights as 6 straight steps (bit for bit)', async () => {
    const straight = join(run.root, 'straight');
    const split = join(run.root, 'split');
    const c6 = tinyConfig(run.modelDir, { maxSteps: 6, weighting: { name: 'sqrt-r', zeroVariance: 'reinforce' }, checkpoint: { interval: 3 } });
    const first = { ...c6, maxSteps: 3 };
    await runTraining({ config: c6, runDir: straight });
    await runTraining({ config: first, runDir: split });
    await runTraining({ config: c6, runDir: split, resume: true });
    expect(metricsOf(split).map(timeless)).toEqual(metricsOf(straight).map(timeless));
    const a = readFileSync(join(straight, 'checkpoints', 'step-6', 'model.safetensors'));
    const b = readFileSync(join(split, 'checkpoints', 'step-6', 'model.safetensors'));
    expect(b.equals(a)).toBe(true);
  }, 180_000);

  it('ppo.oldLogprobs auto (one epoch: no old-logprob forward) trains like recompute, and measures entropy and gap on the trained rows', async () => {
    const runs = { auto: join(run.root, 'old-auto'), recompute: join(run.root, 'old-recompute') };
    for (const mode of ['auto', 'recompute'] as const) {
      await runTraining({
        config: tinyConfig(run.modelDir, { maxSteps: 3, weighting: { name: 'sqrt-r', zeroVariance: 'reinforce' }, ppo: { microBatchSize: 5, oldLogprobs: mode } }),
        runDir: runs[mode],
      });
    }
    const steps = (dir: string) => metricsOf(dir).filter((r) => r.kind === 'step');
    const [auto, recompute] = [steps(runs.auto), steps(runs.recompute)];
    expect(auto).toHaveLength(3);
    auto.forEach((a, i) => {
      const r = recompute[i]!;
      // Same samples (the sampler's weights agree to f32 rounding), the same loss and the same entropy:
      // 'reinforce' trains every response, so the trained rows are all the rows.
      expect(a.sampledResponses).toBe(r.sampledResponses);
      expect(a.loss).toBeCloseTo(r.loss, 5);
      expect(a.entropy).toBeCloseTo(r.entropy, 4);
      expect(Math.abs(a.logprobGapMean)).toBeLessThan(1e-4);
      expect(a.gradNorm).toBeCloseTo(r.gradNorm, 5);
      expect(a.gradNorm).toBeGreaterThan(0);
    });
    const weights = (dir: string) => readSafetensorsSync(join(dir, 'checkpoints', 'step-3', 'model.safetensors')).tensors;
    const [wa, wr] = [weights(runs.auto), weights(runs.recompute)];
    // The two modes differ by f32 rounding only (the recompute forward pads its micro-batches differently).
    const apart = Object.entries(wr).flatMap(([name, t]) => {
      const a = wa[name]!.data;
      let worst = 0;
      for (let i = 0; i < t.data.length; i++) worst = Math.max(worst, Math.abs(Number(a[i]) - Number(t.data[i])));
      return worst < 1e-5 ? [] : [`${name}: ${worst}`];
    });
    expect(apart).toEqual([]);
  }, 120_000);

  it('evaluates before training, at the interval and after the last step', async () => {
    const runDir = join(run.root, 'eval');
    await runTraining({ config: tinyConfig(run.modelDir, { maxSteps: 5, eval: { interval: 2, samples: 2, passAtK: [1, 2] } }), runDir });
    const evals = metricsOf(runDir).filter((r) => r.kind === 'eval');
    expect(evals.map((r) => r.step)).toEqual([0, 2, 4, 5]);
    for (const e of evals) {
      expect(e.prompts).toBe(8);
      expect(Object.keys(e.passAtK)).toEqual(['1', '2']);
    }
  });

  it('with raw rewards every step records its flat non-binary groups, and no warning when none lost a push', async () => {
    const runDir = join(run.root, 'raw-rewards');
    const lines: string[] = [];
    await runTraining({ config: tinyConfig(run.modelDir, { weighting: { name: 'linear-r', binarize: null } }), runDir, log: (line) => lines.push(line) });
    const steps = metricsOf(runDir).filter((r) => r.kind === 'step');
    expect(steps).toHaveLength(2);
    // The untrained model never writes an <answer> block: every reward is exactly 0, no group is flat at 0.1.
    for (const r of steps) expect([r.rewardMean, r.flatNonBinaryGroups]).toEqual([0, 0]);
    expect(lines.filter((line) => line.startsWith('warning:'))).toEqual([]);
  });

  it('sampling.maxGroups 4: unsolved prompts draw up to 4 groups and sampledResponses counts all of them', async () => {
    const runDir = join(run.root, 'max-groups');
    await runTraining({ config: tinyConfig(run.modelDir, { sampling: { groupSize: 4, promptsPerStep: 3, maxNewTokens: 12, maxGroups: 4 } }), runDir });
    const steps = metricsOf(runDir).filter((r) => r.kind === 'step');
    expect(steps).toHaveLength(2);
    for (const r of steps) {
      // The untrained model never answers: every prompt draws all 4 groups and trains on its last (ρ̂ = 0).
      expect([r.rhoHistogram[0], r.extraGroups]).toEqual([3, 9]);
      expect(r.sampledResponses).toBe(r.step * 3 * 4 * 4);
    }
  });

  it('refuses to resume a directory without checkpoints', async () => {
    const refused = runTraining({ config: tinyConfig(run.modelDir), runDir: join(run.root, 'nothing'), resume: true });
    await expect(refused).rejects.toBeInstanceOf(CheckpointError);
    await expect(refused).rejects.toThrow(/--resume.*no checkpoint in/);
  });
});

describe('rlvr train stops on divergence', () => {
  let run: ReturnType<typeof tinyRun>;
  beforeAll(() => {
    run = tinyRun();
  });
  afterAll(() => run.cleanup());

  it('lr 1e30: the guard stops at the first update, whose weights are far beyond guard.maxWeightAbs, and no checkpoint exists', async () => {
    const runDir = join(run.root, 'diverge');
    const config = tinyConfig(run.modelDir, { optim: { lr: 1e30, maxGradNorm: null }, maxSteps: 6, checkpoint: { interval: 1 }, weighting: { name: 'grpo', zeroVariance: 'reinforce' } });
    const error = await runTraining({ config, runDir }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(DivergenceError.isInstance(error)).toBe(true);
    expect(error?.message).toMatch(/^step 1: model\.\S+\[\d+\] is -?1\.\d+e\+30, beyond guard\.maxWeightAbs 1000; stopped after the update, without writing a checkpoint; no checkpoint to go back to/);
    expect(existsSync(join(runDir, 'checkpoints'))).toBe(false);
  });

  it('with the guard off, a non-finite gradient stops the run naming the step, and the last good checkpoint is verified', async () => {
    const runDir = join(run.root, 'diverge-unguarded');
    // lr 1e30 without clipping: the first update sends the weights to ±1e30-scale values, whose
    // products overflow f32 in the next step's forward.
    const config = tinyConfig(run.modelDir, {
      optim: { lr: 1e30, maxGradNorm: null },
      maxSteps: 6,
      checkpoint: { interval: 1 },
      weighting: { name: 'grpo', zeroVariance: 'reinforce' },
      guard: { gradNormRatio: null, maxWeightAbs: null },
    });
    const error = await runTraining({ config, runDir }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(DivergenceError.isInstance(error)).toBe(true);
    // Only finiteness is asked of a checkpoint then: step 1's ±1e30 weights are finite, so it is named.
    expect(error?.message).toMatch(
      /^step 2: non-finite .*stopped before the optimizer step applied it, without writing a checkpoint; last good checkpoint: .*step-1 \(step 1, weights verified finite\)$/,
    );
    expect(readdirSync(join(runDir, 'checkpoints'))).toEqual(['step-1']);
    expect(metricsOf(runDir).filter((r) => r.kind === 'step')).toHaveLength(1);
  });
});
