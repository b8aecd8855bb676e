/**
 * Dynamic sampling through a whole `rlvr train` run on a tiny model: the flags set it, metrics.jsonl's
 * sampledResponses counts every response drawn (dropped and surplus groups included), and the batch
 * limit stops the run with an error naming sampling.maxNumGenBatches.
 */
import { join } from 'node:path';
import { loadTrainConfig, parseTrainConfig } from '../src/config/index.js';
import { runTraining } from '../src/loop/run-training.js';
import type { StepMetrics } from '../src/metrics/index.js';
import { metricsOf, tinyConfig, tinyRun } from './tiny-run.js';

describe('rlvr train with sampling.filterGroups', () => {
  const run = tinyRun();
  afterAll(() => run.cleanup());

  test('the flags set the rollout-side fields', async () => {
    const config = await loadTrainConfig(null, [
      '--filter-groups',
      'reward',
      '--max-num-gen-batches',
      '0',
      '--mask-truncated',
      'true',
      '--overlong-buffer',
      '8',
      '--overlong-penalty',
      '0.5',
      '--binarize',
      'null',
      '--verifier',
      'math-flexible',
      '--reward.functions',
      'task,countdown',
      '--reward.weights',
      '1,0.5',
    ]);
    expect(config.sampling).toMatchObject({ filterGroups: 'reward', maxNumGenBatches: 0, maskTruncated: true });
    expect(config.reward).toEqual({ functions: ['task', 'countdown'], weights: [1, 0.5], overlongBuffer: 8, overlongPenalty: 0.5 });
    expect(config.task.verifier).toBe('math-flexible');
  });

  test('sampledResponses grows by every batch drawn, and the trained groups are the kept ones', async () => {
    const out = join(run.root, 'reward-filter');
    const lines: string[] = [];
    // The choice base model answers one of K = 4 numbers about uniformly: ρ ≈ 1/4, most groups of 4 mixed, some not.
    const config = parseTrainConfig({
      model: { path: 'embedded:choice-base' },
      task: { name: 'choice', template: 'plain', testSize: 4, choice: { choices: 4, count: 40 } },
      sampling: { groupSize: 4, promptsPerStep: 3, maxNewTokens: 1, filterGroups: 'accuracy', maxNumGenBatches: 50 },
      eval: { interval: 0 },
      checkpoint: { interval: 0 },
      backend: 'cpu',
      seed: 3,
      maxSteps: 3,
    });
    await runTraining({ config, runDir: out, log: (l) => lines.push(l) });
    const steps = metricsOf(out).filter((m): m is StepMetrics => m.kind === 'step');
    expect(steps).toHaveLength(3);
    let before = 0;
    for (const m of steps) {
      const d = m.dynamicSampling!;
      expect(d.groupsKept).toBe(3);
      expect(d.groupsKept + d.groupsDropped + d.groupsSurplus).toBe(d.rounds * 3);
      expect(m.sampledResponses - before).toBe(d.rounds * 3 * 4);
      expect(m.noSignalFraction).toBe(0);
      expect(lines).toContain(`step ${m.step}: dynamic sampling: ${d.rounds} batch${d.rounds === 1 ? '' : 'es'}, 3 groups kept, ${d.groupsDropped} dropped, ${d.groupsSurplus} surplus`);
      before = m.sampledResponses;
    }
    expect(steps.some((m) => m.dynamicSampling!.groupsDropped > 0)).toBe(true);
  });

  test('a step that fills no batch within maxNumGenBatches stops the run naming the field', async () => {
    // The tiny model solves nothing: every group has equal verdicts, so the accuracy filter keeps none.
    const config = tinyConfig(run.modelDir, {
      sampling: { groupSize: 4, promptsPerStep: 3, maxNewTokens: 12, filterGroups: 'accuracy', maxNumGenBatches: 2 },
    });
    await expect(runTraining({ config, runDir: join(run.root, 'limit') })).rejects.toThrow(/kept 0 of 3 groups after 2 batches of 3 prompts \(sampling\.maxNumGenBatches = 2\)/);
  });
});
