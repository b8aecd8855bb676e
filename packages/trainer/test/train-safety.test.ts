/**
 * The training loop under real faults, on the tiny model of tiny-run.ts (cpu backend): Ctrl-C and
 * SIGTERM sent to a real `rlvr train` process mid-run, a learning rate the guard must stop, a full
 * file system (a tmpfs mounted for the test) during a checkpoint and during a metrics append, and a
 * corrupt newest checkpoint. Every bound is a count of steps, never a time.
 */
import { readFileSync, readdirSync, statfsSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../src/config/index.js';
import { runPlan, type PlannedRun } from '../src/compare/run-plan.js';
import { DivergenceError, InterruptedError, StorageError } from '../src/errors.js';
import { runTraining } from '../src/loop/run-training.js';
import { readMetrics } from '../src/metrics/index.js';
import { mountTmpfs } from '../src/testing/tmpfs.js';
import { spawnRlvr, signalWhen } from './rlvr-process.js';
import { metricsOf, timeless, tinyRun, trainingTinyConfig } from './tiny-run.js';

let run: ReturnType<typeof tinyRun>;
beforeAll(() => {
  run = tinyRun();
});
afterAll(() => run.cleanup());

/** A config where every step trains, `extra` on top. */
const trainingConfig = (extra: Parameters<typeof trainingTinyConfig>[1] = {}): TrainConfig => trainingTinyConfig(run.modelDir, extra);

/** The rejection of `promise` (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected the run to fail');
    },
    (error: unknown) => error as Error,
  );
}

/** Step lines in a run's metrics.jsonl so far (0 before it exists). */
function stepsWritten(runDir: string): number {
  try {
    return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"kind":"step"')).length;
  } catch {
    return 0;
  }
}

describe('a stop signal finishes the step, checkpoints, and the resumed run is the uninterrupted one', () => {
  let config: TrainConfig;
  let straight: Record<string, unknown>[];
  beforeAll(async () => {
    config = trainingConfig({ maxSteps: 8, checkpoint: { interval: 0 } });
    const dir = join(run.root, 'signal-straight');
    await runTraining({ config, runDir: dir });
    straight = metricsOf(dir).map(timeless);
  }, 120_000);

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s mid-run: exit %i, an off-interval checkpoint at the last step written, the resume command; --resume gives the same metrics bit for bit',
    async (signal, code) => {
      const runDir = join(run.root, `signal-${signal}`);
      const configFile = join(run.root, `signal-${signal}.json`);
      writeFileSync(configFile, JSON.stringify(config));
      const train = spawnRlvr(['train', '--config', configFile, '--out', runDir]);
      // Signal once step 2's line is written: step 3 is then under way (checkpoint.interval 0: none yet).
      await signalWhen(train, signal, () => stepsWritten(runDir) >= 2, 20);
      expect((await train.exited).code).toBe(code);
      const stderr = train.stderr();
      expect(stderr).toContain(`rlvr train: ${signal}: finishing the current step and writing a checkpoint; send it again to stop at once`);
      const steps = stepsWritten(runDir);
      expect(steps).toBeGreaterThanOrEqual(2);
      expect(steps).toBeLessThan(8);
      expect(readdirSync(join(runDir, 'checkpoints'))).toEqual([`step-${steps}`]);
      expect(stderr).toContain(`stopped by ${signal} after step ${steps} of 8; checkpoint ${join(runDir, 'checkpoints', `step-${steps}`)}; continue with: rlvr train --resume ${runDir}`);

      const resumed = spawnRlvr(['train', '--resume', runDir]);
      expect([(await resumed.exited).code, resumed.stderr()]).toEqual([0, expect.stringContaining(`(step ${steps})`)]);
      expect(metricsOf(runDir).map(timeless)).toEqual(straight);
    },
    240_000,
  );
});

describe('rlvr compare (in process) stops its runs resumably and a re-run continues them', () => {
  it('a stop mid-run: the run checkpoints and the comparison says how to continue; the re-run resumes it and starts the next', async () => {
    const config = trainingConfig({ maxSteps: 5, checkpoint: { interval: 0 } });
    const plan: PlannedRun[] = [1, 2].map((seed) => ({ weighting: 'sqrt-r', seed, lr: 1e-2, dir: join(run.root, 'compare', `seed-${seed}`), config: { ...config, seed } }));
    const straight = join(run.root, 'compare-straight');
    await runTraining({ config: plan[0]!.config, runDir: straight });

    const controller = new AbortController();
    const poll = setInterval(() => {
      if (stepsWritten(plan[0]!.dir) >= 2) controller.abort('SIGTERM');
    }, 20);
    const lines: string[] = [];
    const error = await rejection(runPlan(plan, { parallel: 1, log: (l) => lines.push(l), stop: controller.signal })).finally(() => clearInterval(poll));
    expect(InterruptedError.isInstance(error)).toBe(true);
    const steps = stepsWritten(plan[0]!.dir);
    expect(steps).toBeLessThan(5);
    expect(error.message).toMatch(
      new RegExp(
        `^\\[1/2\\] sqrt-r lr 0\\.01 seed 1: stopped by SIGTERM after step ${steps} of 5; checkpoint \\S+step-${steps}; continue with: the same rlvr compare command \\(finished runs are reused, stopped ones resume from their checkpoints\\)$`,
      ),
    );
    expect(stepsWritten(plan[1]!.dir)).toBe(0);

    await runPlan(plan, { parallel: 1, log: (l) => lines.push(l) });
    expect(lines).toContain(`[1/2] sqrt-r lr 0.01 seed 1: continuing from its checkpoint (${plan[0]!.dir})`);
    expect(metricsOf(plan[0]!.dir).map(timeless)).toEqual(metricsOf(straight).map(timeless));
    expect(stepsWritten(plan[1]!.dir)).toBe(5);
  }, 180_000);
});

describe('the divergence guard', () => {
  it('--lr 1e3 stops at the first update, before any checkpoint, naming the weight, the limit and the step', async () => {
    const runDir = join(run.root, 'lr1e3');
    const error = await rejection(runTraining({ config: trainingConfig({ maxSteps: 6, optim: { lr: 1e3 }, checkpoint: { interval: 1 } }), runDir }));
    expect(DivergenceError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/^step 1: model\.\S+\[\d+\] is -?1000\.\d+, beyond guard\.maxWeightAbs 1000; stopped after the update, without writing a checkpoint; no checkpoint to go back to/);
    expect(readdirSync(runDir)).not.toContain('checkpoints');
  });

  it('a gradient-norm breach is refused before the optimizer step; the last good checkpoint is named; skip drops the update and goes on', async () => {
    // A ratio this tight trips on the tiny model's ordinary step-to-step variation: a breach on demand.
    const guard = { gradNormRatio: 1.01, window: 2 };
    const runDir = join(run.root, 'grad-stop');
    const error = await rejection(runTraining({ config: trainingConfig({ maxSteps: 6, checkpoint: { interval: 1 }, guard }), runDir }));
    expect(DivergenceError.isInstance(error)).toBe(true);
    const step = Number(/^step (\d+): /.exec(error.message)?.[1]);
    expect(error.message).toMatch(
      /^step \d+: gradient norm \S+ exceeds \S+ \(guard\.gradNormRatio 1\.01 × median \S+ of the last \d trained steps\); stopped before the optimizer step applied it, without writing a checkpoint; last good checkpoint: \S+step-(\d+) \(step \1, weights verified finite and within guard\.maxWeightAbs 1000\)$/,
    );
    expect(readdirSync(join(runDir, 'checkpoints'))).toEqual(Array.from({ length: step - 1 }, (_, i) => `step-${i + 1}`).sort());
    expect(metricsOf(runDir).filter((r) => r.kind === 'step')).toHaveLength(step - 1);

    const skipDir = join(run.root, 'grad-skip');
    const lines: string[] = [];
    await runTraining({ config: trainingConfig({ maxSteps: 6, guard: { ...guard, action: 'skip' } }), runDir: skipDir, log: (l) => lines.push(l) });
    const steps = metricsOf(skipDir).filter((r) => r.kind === 'step');
    expect(steps).toHaveLength(6);
    expect(steps[step - 1]).toMatchObject({ step, guardSkipped: 1 });
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^step ${step}: gradient norm .*; update dropped \\(guard\\.action: skip\\)$`)));
  });
});

describe('storage faults', () => {
  it('a corrupt newest checkpoint: --resume passes over it, says so, and continues exactly from the one before', async () => {
    const c6 = trainingConfig({ maxSteps: 6, checkpoint: { interval: 2 } });
    const straight = join(run.root, 'corrupt-straight');
    const split = join(run.root, 'corrupt-split');
    await runTraining({ config: c6, runDir: straight });
    await runTraining({ config: { ...c6, maxSteps: 4 }, runDir: split });
    const newest = join(split, 'checkpoints', 'step-4', 'model.safetensors');
    truncateSync(newest, 100);
    const lines: string[] = [];
    await runTraining({ config: c6, runDir: split, resume: true, log: (l) => lines.push(l) });
    expect(lines).toContainEqual(expect.stringMatching(/^warning: checkpoint \S+step-4 is unusable \(.*model\.safetensors.*\); trying an older one$/));
    expect(lines).toContainEqual(expect.stringMatching(/^resuming from \S+step-2 \(step 2\)$/));
    expect(metricsOf(split).map(timeless)).toEqual(metricsOf(straight).map(timeless));
  }, 120_000);

  it('a full disk at checkpoint time: refused up front, training goes on (checkpoint.onError continue), the final one stops the run clearly', async () => {
    const mount = join(run.root, 'full-checkpoint');
    // Room for config.json and the metrics, not for a checkpoint (~0.8 MiB with its margin).
    const fs = mountTmpfs(mount, '400k');
    if (!fs) return;
    try {
      const runDir = join(mount, 'run');
      const lines: string[] = [];
      const error = await rejection(runTraining({ config: trainingConfig({ maxSteps: 3, checkpoint: { interval: 1 } }), runDir, log: (l) => lines.push(l) }));
      expect(StorageError.isInstance(error)).toBe(true);
      expect(error.message).toMatch(
        /^cannot write \S+checkpoints: no space left on the device \(ENOSPC\); [\d.]+ MiB free, about [\d.]+ MiB needed; the checkpoint of step 3 was not written \(the earlier checkpoints are untouched\); the run stopped after step 3; no checkpoint was written/,
      );
      expect(lines.filter((l) => l.startsWith('warning:'))).toEqual([
        expect.stringMatching(/the checkpoint of step 1 was not written .*; training goes on and tries again at step 2 \(checkpoint\.onError: continue\)$/),
        expect.stringMatching(/the checkpoint of step 2 was not written .*; training goes on and tries again at step 3 \(checkpoint\.onError: continue\)$/),
      ]);
      expect(metricsOf(runDir).filter((r) => r.kind === 'step')).toHaveLength(3);
      expect(readdirSync(join(runDir, 'checkpoints'))).toEqual([]);

      const stopDir = join(mount, 'run-stop');
      const stopped = await rejection(runTraining({ config: trainingConfig({ maxSteps: 3, checkpoint: { interval: 1, onError: 'stop' } }), runDir: stopDir }));
      expect(stopped.message).toMatch(/the checkpoint of step 1 was not written .*; the run stopped after step 1;/);
    } finally {
      fs.unmount();
    }
  }, 120_000);

  it('a full disk while logging: the metrics line is not half-written, the error says which step was lost and where to resume', async () => {
    const mount = join(run.root, 'full-metrics');
    const fs = mountTmpfs(mount, '2m');
    if (!fs) return;
    try {
      const runDir = join(mount, 'run');
      let filled = false;
      const fill = (): void => {
        // After step 1's checkpoint: take every free byte, so the next appends fail part-way through.
        if (filled) return;
        filled = true;
        const s = statfsSync(mount);
        writeFileSync(join(mount, 'filler'), Buffer.alloc(Number(s.bavail) * Number(s.bsize)));
      };
      // No completions log: this case is about metrics.jsonl, and completions.jsonl is appended first.
      const config = trainingConfig({ maxSteps: 40, checkpoint: { interval: 1 }, logging: { completions: 0 } });
      const error = await rejection(runTraining({ config, runDir, onStep: (m) => (m.step === 2 ? fill() : undefined) }));
      expect(StorageError.isInstance(error)).toBe(true);
      const read = await readMetrics(join(runDir, 'metrics.jsonl'));
      const last = read.steps.at(-1)!.step;
      // The file ends with a whole line: the failed append was cut back.
      expect(read.truncated).toBe(false);
      expect(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').endsWith('\n')).toBe(true);
      expect(error.message).toMatch(
        new RegExp(
          `^cannot append \\S+metrics\\.jsonl: no space left on the device \\(ENOSPC\\); the metrics of step ${last + 1} were not written \\(the file is intact up to the record before\\); the run stopped; the last checkpoint is \\S+step-1 \\(step 1\\); continue with: rlvr train --resume ${runDir}$`,
        ),
      );
      // The resumed run starts from step 1 and drops nothing but what came after it.
      expect(last).toBeGreaterThan(1);
    } finally {
      fs.unmount();
    }
  }, 120_000);
});
