/**
 * One RL step end to end (DESIGN.md "One RL step") on a ~1M-parameter Qwen2-like decoder (hidden 128,
 * 4 layers, 4/2 heads, intermediate 344, vocab 2048, tied): 16 Countdown prompts × 16 samples × up to 64
 * new tokens, through the real sampler (ONNX Runtime), verifier pool, weighting (sqrt-r, zero-variance
 * groups trained with REINFORCE's −1 so that every response trains and the FLOP count is fixed) and the
 * selected backend (env RLVR_BACKEND, default cpu). After one warm-up step, steps alternate between
 * `ppo.oldLogprobs` 'recompute' (old logprobs by a forward over every sequence first) and 'auto' (one
 * epoch: the loss uses its own logprobs, no extra forward). Entries (bench-results/trainer.json):
 *   - `rl-step-seconds`: median wall time of an 'auto' step (the default).
 *   - `rl-step-sample-share`, `rl-step-train-share`: the sample and train phases' shares of it.
 *   - `train-tokens-per-second-on-policy`: padded training tokens per second of the train phase,
 *     'auto' against 'recompute' in the same run.
 *   - `train-flops-vs-ceiling`: the 'recompute' train phase's achieved GFLOP/s — FLOPs = 2·P·T (the
 *     old-logprob forward over every sequence) + 6·P·T (forward + backward of the loss), T the tokens of
 *     the padded micro-batches — against the backend's matmul ceiling measured in the same run: ORT
 *     MatMul (the cpu backend's engine) at 4096×256×256 with the same threads.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { initWeights, parameterCount, parseDecoderConfig, seededFloats } from '@rlvr/core';
import { OrtMatmul, loadDecoderModel, parseBackendChoice } from '@rlvr/kernels';
import { buildBpeTokenizer } from '@rlvr/sampler';
import { TINY_CORPUS, writeModelDir } from '@rlvr/sampler/testing';
import { compared, median, standalone, writeResults, type BenchEntry } from '../../../tools/bench/harness.js';
import { parseTrainConfig } from '../src/config/index.js';
import { adamWOptions, policyLossConfig } from '../src/config/index.js';
import { rlStep, type RlStepResult } from '../src/loop/rl-step.js';
import { closeTaskEnvironment, openTaskEnvironment } from '../src/loop/task-environment.js';
import { countdownQuestion, r1ZeroPrompt } from '../src/tasks/index.js';

const PROMPTS = 16;
const GROUP = 16;
const NEW_TOKENS = 64;
const STEPS = 7;
const backend = parseBackendChoice(process.env.RLVR_BACKEND ?? 'cpu', 'RLVR_BACKEND');

const root = mkdtempSync(join(tmpdir(), 'rlvr-rl-step-bench-'));
const modelDir = join(root, 'model');
const tokenizer = buildBpeTokenizer({
  corpus: [...TINY_CORPUS, r1ZeroPrompt(countdownQuestion({ target: 24, nums: [3, 5, 7, 11] }))],
  vocabSize: 1024,
});
const modelConfig = parseDecoderConfig({
  model_type: 'qwen2',
  hidden_size: 128,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 344,
  vocab_size: 2048,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: true,
  max_position_embeddings: 512,
});
writeModelDir(modelDir, { config: modelConfig, weights: initWeights(modelConfig, 1, 0.1), tokenizer });
const params = parameterCount(modelConfig);
const config = parseTrainConfig({
  model: { path: modelDir },
  backend,
  seed: 1,
  task: { name: 'countdown', generator: { count: 512 } },
  sampling: { groupSize: GROUP, promptsPerStep: PROMPTS, maxNewTokens: NEW_TOKENS },
  weighting: { name: 'sqrt-r', zeroVariance: 'reinforce' },
  ppo: { microBatchSize: 32 },
  optim: { lr: 1e-5 },
});
process.stdout.write(
  `rl-step bench: ${params} parameters, ${PROMPTS} prompts × ${GROUP} samples × ≤ ${NEW_TOKENS} new tokens, backend ${backend}\n`,
);

const env = await openTaskEnvironment(config, modelDir, (l) => process.stdout.write(`${l}\n`));
const policy = await loadDecoderModel(modelDir, { backend, log: (l) => process.stdout.write(`${l}\n`) });
const results: { r: RlStepResult; seconds: number; trainTokens: number; mode: 'auto' | 'recompute' }[] = [];
try {
  for (let step = 0; step < STEPS; step++) {
    const prompts = env.train.slice(step * PROMPTS, (step + 1) * PROMPTS).map(env.encode);
    const mode = step % 2 === 1 ? 'recompute' : 'auto';
    const start = process.hrtime.bigint();
    const r = await rlStep({ policy, sampler: env.sampler as never, score: env.score }, prompts, {
      groupSize: GROUP,
      maxNewTokens: NEW_TOKENS,
      temperature: 1,
      topP: 1,
      topK: 0,
      stop: env.stop,
      seed: step,
      weighting: 'sqrt-r',
      zeroVariance: 'reinforce',
      loss: policyLossConfig(config),
      microBatchSize: config.ppo.microBatchSize,
      ppoEpochs: 1,
      miniBatches: 1,
      oldLogprobs: mode,
      optimizer: adamWOptions(config, config.optim.lr),
      padId: env.padId,
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    // Tokens of the padded micro-batches (what the forward and backward actually process).
    let trainTokens = 0;
    for (let first = 0; first < r.rollouts.length; first += config.ppo.microBatchSize) {
      const rows = r.rollouts.slice(first, first + config.ppo.microBatchSize);
      trainTokens +=
        rows.length * Math.max(...rows.map((x) => x.rollout.promptIds.length + x.rollout.completionIds.length));
    }
    results.push({ r, seconds, trainTokens, mode });
    const t = r.times;
    process.stdout.write(
      `  step ${step}${step === 0 ? ' (warm-up)' : ''}, ${mode}: ${seconds.toFixed(2)} s — sample ${t.sample.toFixed(2)}, verify ${t.verify.toFixed(3)}, advantages ${t.advantages.toFixed(4)}, train ${t.train.toFixed(2)}, sync ${t.sync.toFixed(3)}; ${r.completionTokens} new tokens, ${trainTokens} training tokens, accuracy ${r.accuracy.toFixed(3)}\n`,
    );
  }
} finally {
  await policy.dispose();
  await closeTaskEnvironment(env);
}

// The backend's matmul ceiling, same threads as the cpu backend (all cores).
const ort = new OrtMatmul({ threads: availableParallelism() });
const [m, n, k] = [4096, 256, 256];
const a = seededFloats(1, m * k, 0.5);
const b = seededFloats(2, k * n, 0.5);
const out = new Float32Array(m * n);
const samples: number[] = [];
for (let i = 0; i < 23; i++) {
  const start = process.hrtime.bigint();
  await ort.matmul(a, b, { m, n, k }, out);
  if (i >= 3) samples.push(Number(process.hrtime.bigint() - start) / 1e9);
}
await ort.dispose();
const ceiling = (2 * m * n * k) / median(samples) / 1e9;
rmSync(root, { recursive: true, force: true });

const timed = results.slice(1).filter((x) => x.mode === 'auto');
const recomputed = results.slice(1).filter((x) => x.mode === 'recompute');
const stepSeconds = median(timed.map((x) => x.seconds));
const sampleShare = median(timed.map((x) => x.r.times.sample / x.seconds));
const trainShare = median(timed.map((x) => x.r.times.train / x.seconds));
const trainRate = (xs: typeof results) => median(xs.map((x) => x.trainTokens / x.r.times.train));
const trainGflops = median(recomputed.map((x) => (8 * params * x.trainTokens) / x.r.times.train / 1e9));
const what = `${params}-parameter Qwen2-like decoder, ${PROMPTS} prompts × ${GROUP} samples × ≤ ${NEW_TOKENS} new tokens, Countdown, backend ${backend}, median of ${timed.length} steps per mode after 1 warm-up`;
const entries: BenchEntry[] = [
  standalone('rl-step-seconds', stepSeconds, `seconds per RL step (lower is better); ${what}`),
  standalone('rl-step-sample-share', sampleShare, `share of the step spent sampling (ONNX Runtime); ${what}`),
  standalone(
    'rl-step-train-share',
    trainShare,
    `share of the step spent training (loss forward + backward + AdamW); ${what}`,
  ),
  compared(
    'train-tokens-per-second-on-policy',
    trainRate(timed),
    trainRate(recomputed),
    `padded training tokens per second of the train phase (higher is better) with ppo.oldLogprobs auto (no old-logprob forward); baseline: recompute, alternate steps of the same run; ${what}`,
  ),
  compared(
    'train-flops-vs-ceiling',
    trainGflops,
    ceiling,
    `GFLOP/s of the train phase (higher is better), FLOPs = 8·params·padded tokens; baseline: ORT MatMul 4096×256×256 GFLOP/s, ${availableParallelism()} threads, same run; ${what}`,
  ),
];
process.stdout.write(
  `step ${stepSeconds.toFixed(2)} s, sample ${(100 * sampleShare).toFixed(0)} %, train ${(100 * trainShare).toFixed(0)} %, train ${trainGflops.toFixed(1)} GFLOP/s vs ceiling ${ceiling.toFixed(1)}\n`,
);
process.stdout.write(`wrote ${writeResults('trainer', entries)}\n`);
