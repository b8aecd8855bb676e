/**
 * A real learning test, not a smoke test: a tiny random model learns, by RL alone, to answer
 * "Largest of a b c?" (one-digit numbers, GSM8K-format references `#### max`, scored by the GSM8K
 * verifier on the last number of the completion). The untrained model almost never writes the right
 * digit (≈ 1 % of samples); within 20 steps of 8 prompts × 16 samples the success rate is many times
 * higher. Everything is seeded and the cpu backend is deterministic, so the curve is the same every run
 * (measured on the 2-core CI machine: first 4 steps 0.8 % mean accuracy, steps 11–20 26 %).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '@rlvr/core';
import { parseTrainConfig } from '../src/config/index.js';
import { runTraining } from '../src/loop/run-training.js';
import type { StepMetrics } from '../src/metrics/index.js';
import { r1ZeroPrompt } from '../src/tasks/index.js';
import { writeTinyModel } from './tiny-run.js';

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

it('RL raises the accuracy of a tiny model on "largest of three digits" within 20 steps', async () => {
  const root = mkdtempSync(join(tmpdir(), 'rlvr-learn-'));
  try {
    const random = new SeededRandom(1);
    const questions: string[] = [];
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) {
      const nums = [0, 0, 0].map(() => 1 + Math.floor(random.next() * 9));
      questions.push(`Largest of ${nums.join(' ')}?`);
      lines.push(JSON.stringify({ question: questions[i], answer: `#### ${Math.max(...nums)}` }));
    }
    writeFileSync(join(root, 'largest.jsonl'), `${lines.join('\n')}\n`);
    writeTinyModel(join(root, 'model'), [r1ZeroPrompt(questions[0]!), ...questions.slice(0, 50)], 320);
    const config = parseTrainConfig({
      model: { path: join(root, 'model') },
      task: { name: 'gsm8k', dataset: join(root, 'largest.jsonl'), testSize: 64 },
      sampling: { groupSize: 16, promptsPerStep: 8, maxNewTokens: 2 },
      optim: { lr: 1e-2 },
      ppo: { microBatchSize: 64 },
      eval: { interval: 0 },
      checkpoint: { interval: 0 },
      backend: 'cpu',
      seed: 7,
      maxSteps: 20,
      weighting: { name: 'grpo' },
    });
    const steps: StepMetrics[] = [];
    await runTraining({ config, runDir: join(root, 'run'), onStep: (m) => steps.push(m) });
    const before = mean(steps.slice(0, 4).map((m) => m.accuracy));
    const after = mean(steps.slice(10).map((m) => m.accuracy));
    expect(before).toBeLessThan(0.05);
    expect(after).toBeGreaterThan(0.15);
    expect(after).toBeGreaterThan(4 * before);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  // 115 s on a quiet 2-core CI machine; 182 s when other work shared the cores (a hang guard, not a speed check).
}, 480_000);
