/**
 * Shared set-up of the end-to-end training tests: a tiny Llama-style model directory (config.json,
 * model.safetensors, tokenizer files) written by the test itself, and a small Countdown config.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initWeights, parseDecoderConfig } from '@rlvr/core';
import { buildBpeTokenizer } from '@rlvr/sampler';
import { TINY_CORPUS, writeModelDir } from '@rlvr/sampler/testing';
import { parseTrainConfig, type TrainConfig, type TrainConfigInput } from '../src/config/index.js';
import type { MetricsRecord } from '../src/metrics/index.js';
import { countdownQuestion, r1ZeroPrompt } from '../src/tasks/index.js';

/**
 * Write a tiny Llama-style model (hidden 32, 2 layers, tied) whose BPE tokenizer is learned from
 * `corpus`: a tokenizer that has seen the prompt template compresses it to a few dozen tokens, which
 * keeps test runs to seconds; init std 0.3 gives peaked distributions, so sampling and clipping matter.
 */
export function writeTinyModel(dir: string, corpus: string[], vocabSize: number): void {
  const tokenizer = buildBpeTokenizer({ corpus, vocabSize });
  const vocab =
    Object.keys((tokenizer.tokenizerJson.model as { vocab: object }).vocab).length +
    (tokenizer.tokenizerJson.added_tokens as unknown[]).length;
  const modelConfig = parseDecoderConfig({
    model_type: 'llama',
    hidden_size: 32,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    intermediate_size: 64,
    vocab_size: vocab,
    max_position_embeddings: 256,
    tie_word_embeddings: true,
    rms_norm_eps: 1e-5,
  });
  writeModelDir(dir, { config: modelConfig, weights: initWeights(modelConfig, 3, 0.3), tokenizer });
}

/** A temporary root with a tiny Countdown-ready model in `root/model`; `cleanup` removes it. */
export function tinyRun(): { root: string; modelDir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'rlvr-train-e2e-'));
  const modelDir = join(root, 'model');
  writeTinyModel(modelDir, [...TINY_CORPUS, r1ZeroPrompt(countdownQuestion({ target: 24, nums: [3, 5, 7] }))], 448);
  return { root, modelDir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A 2-step Countdown config on `modelDir` (3 prompts × 4 samples, 12 new tokens), `extra` merged on top. */
export function tinyConfig(modelDir: string, extra: Partial<TrainConfigInput> = {}): TrainConfig {
  return parseTrainConfig({
    model: { path: modelDir },
    task: { name: 'countdown', generator: { count: 64 }, testSize: 8, maxPromptTokens: 512 },
    sampling: { groupSize: 4, promptsPerStep: 3, maxNewTokens: 12 },
    optim: { lr: 1e-2 },
    ppo: { microBatchSize: 5 },
    eval: { interval: 0 },
    checkpoint: { interval: 0 },
    backend: 'cpu',
    seed: 7,
    maxSteps: 2,
    ...extra,
  });
}

/** {@link tinyConfig} where every step trains (Sqrt-R, zeroVariance reinforce), `extra` on top. */
export function trainingTinyConfig(modelDir: string, extra: Partial<TrainConfigInput> = {}): TrainConfig {
  return tinyConfig(modelDir, { weighting: { name: 'sqrt-r', zeroVariance: 'reinforce' }, ...extra });
}

/** Every line of a run's metrics.jsonl. */
export function metricsOf(runDir: string): MetricsRecord[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as MetricsRecord);
}

/** A record without its wall-clock fields (the only ones allowed to differ between equal runs). */
export function timeless(r: MetricsRecord): Record<string, unknown> {
  const clock = new Set(['elapsedSeconds', 'phaseSeconds', 'promptsPerSecond', 'tokensPerSecond', 'seconds']);
  return Object.fromEntries(Object.entries(r).filter(([key]) => !clock.has(key)));
}
