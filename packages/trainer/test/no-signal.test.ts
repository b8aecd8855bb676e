/**
 * A bare `rlvr train` on a model that never solves a prompt learns nothing under GRPO (every group
 * ρ̂ = 0, h(0) = 0: no advantage, loss 0); the run says so once, naming why and the knobs.
 */
import { join } from 'node:path';
import { runTraining } from '../src/loop/run-training.js';
import { noSignalWarner, NO_SIGNAL_STEPS } from '../src/loop/no-signal.js';
import type { StepMetrics } from '../src/metrics/index.js';
import { metricsOf, tinyConfig, tinyRun } from './tiny-run.js';

describe('noSignalWarner', () => {
  test('warns once, after the configured run of signal-free steps; a step with signal restarts the count', () => {
    const lines: string[] = [];
    const warn = noSignalWarner({ weighting: 'grpo', binarize: 1, filterGroups: 'off' }, (l) => lines.push(l), 3);
    warn(1, 0, 16);
    warn(2, 0, 16);
    warn(3, 2, 16);
    warn(4, 0, 16);
    warn(5, 0, 16);
    expect(lines).toEqual([]);
    warn(6, 0, 16);
    warn(7, 0, 16);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warning: steps 4–6: none of the 16 groups per step got an advantage \(loss 0, no update\): grpo gives nothing/);
    expect(lines[0]).toContain('weighting.name linear-r');
    expect(lines[0]).toContain('sampling.filterGroups: accuracy');
    expect(lines[0]).not.toContain('weighting.binarize: 1');
  });

  test('names weighting.binarize only when rewards are raw, dynamic sampling only when it is off', () => {
    const lines: string[] = [];
    const warn = noSignalWarner({ weighting: 'rloo', binarize: null, filterGroups: 'reward' }, (l) => lines.push(l), 1);
    warn(1, 0, 4);
    expect(lines[0]).toContain('weighting.binarize: 1');
    expect(lines[0]).not.toContain('sampling.filterGroups');
  });
});

describe('a bare GRPO run on a model that solves nothing', () => {
  const run = tinyRun();
  afterAll(() => run.cleanup());

  test(`warns once after ${NO_SIGNAL_STEPS} steps of zero loss, and not under Linear-R`, async () => {
    const lines: string[] = [];
    const out = join(run.root, 'grpo');
    await runTraining({ config: tinyConfig(run.modelDir, { maxSteps: NO_SIGNAL_STEPS + 1 }), runDir: out, log: (l) => lines.push(l) });
    const steps = metricsOf(out).filter((m): m is StepMetrics => m.kind === 'step');
    // The premise: every group unsolved, so GRPO trains on nothing.
    expect(steps.every((m) => m.accuracy === 0 && m.loss === 0)).toBe(true);
    const warnings = lines.filter((l) => l.includes('got an advantage'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^warning: steps 1–${NO_SIGNAL_STEPS}: none of the 3 groups`));

    const linear: string[] = [];
    await runTraining({
      config: tinyConfig(run.modelDir, { maxSteps: NO_SIGNAL_STEPS, weighting: { name: 'linear-r' } }),
      runDir: join(run.root, 'linear-r'),
      log: (l) => linear.push(l),
    });
    expect(linear.filter((l) => l.includes('got an advantage'))).toEqual([]);
  });
});
