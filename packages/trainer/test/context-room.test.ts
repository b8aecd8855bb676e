/**
 * A token budget the model's context cannot hold: the sampler stops each response at the context's
 * end, so a run whose longest prompt leaves less room than `sampling.maxNewTokens` says so at the start
 * instead of showing only short, "truncated" completions.
 */
import { join } from 'node:path';
import { contextRoomWarning } from '../src/loop/task-environment.js';
import { runTraining } from '../src/loop/run-training.js';
import type { StepMetrics } from '../src/metrics/index.js';
import { metricsOf, tinyConfig, tinyRun } from './tiny-run.js';

test('contextRoomWarning: silent while the longest prompt leaves the whole budget, exact room otherwise', () => {
  expect(contextRoomWarning(100, 512, 412)).toBeUndefined();
  expect(contextRoomWarning(507, 512, 96)).toMatch(
    /^warning: the longest training prompt has 507 tokens and the model's context 512 positions, so its responses stop after 5 of sampling\.maxNewTokens = 96 tokens; use a shorter task\.template/,
  );
  expect(contextRoomWarning(600, 512, 8)).toContain('stop after 0 of');
});

describe('a run whose budget passes the context', () => {
  const run = tinyRun();
  afterAll(() => run.cleanup());

  test('warns once with the room left, and no response reaches the budget', async () => {
    const lines: string[] = [];
    const out = join(run.root, 'long-budget');
    // The tiny model has 256 positions, fewer than its longest prompt plus 250.
    await runTraining({
      config: tinyConfig(run.modelDir, { maxSteps: 1, sampling: { groupSize: 2, promptsPerStep: 2, maxNewTokens: 250 } }),
      runDir: out,
      log: (l) => lines.push(l),
    });
    const warnings = lines.filter((l) => l.includes("the model's context 256 positions"));
    expect(warnings).toHaveLength(1);
    const room = Number(/stop after (\d+) of sampling\.maxNewTokens = 250/.exec(warnings[0]!)?.[1]);
    expect(room).toBeGreaterThan(0);
    expect(room).toBeLessThan(250);
    const [step] = metricsOf(out).filter((m): m is StepMetrics => m.kind === 'step');
    // Responses end at the context, never at the budget the config asked for.
    expect(step!.responseLengthMax).toBeLessThan(250);

    const quiet: string[] = [];
    await runTraining({
      config: tinyConfig(run.modelDir, { maxSteps: 1 }),
      runDir: join(run.root, 'short-budget'),
      log: (l) => quiet.push(l),
    });
    expect(quiet.filter((l) => l.includes("the model's context"))).toEqual([]);
  });
});
