/**
 * One full training step of the cpu backend's decoder — forward, next-token cross-entropy and its
 * dlogits, backward, AdamW — on a ~1M-parameter Qwen2-like config (hidden 128, 4 layers, 4/2 heads,
 * intermediate 344, vocab 2048, tied embeddings), seq 64. Entries (merged into
 * bench-results/kernels.json):
 *   - `train-step-cpu`: tokens/s of the fast path (the ops' *.cpu.ts + ORT MatMul engine) at batch FAST_BATCH;
 *     baseline: tokens/s of the all-reference path (plain-loop ops and products) at batch REF_BATCH,
 *     same run (the reference is ~30 s per step at batch 64, and its tokens/s does not depend on batch).
 *   - `train-step-cpu-flops`: achieved GFLOP/s of the fast step, FLOPs = 6·P·T + 12·L·B·H·S²·D
 *     (P parameters, T = B·S tokens: 2·P·T forward and 4·P·T backward; in each of the L layers,
 *     attention's QKᵀ and P·V are 2·B·H·S²·D each forward and twice that backward, counted over the
 *     full S² that is computed even though the causal half is masked; an earlier version left out L,
 *     undercounting attention 4× here: 0.40 instead of 1.61 of 25.9 GFLOP per step); baseline: ORT
 *     MatMul (NN) GFLOP/s at 4096×256×256, same run, same thread count — what MLAS does on these
 *     cores with one large product.
 *   - `train-step-webgpu`: tokens/s of the same full step on the WebGPU model (GpuDecoderModel through
 *     createDecoderModel), at batch GPU_BATCH (small, so the bench finishes in a minute or two on
 *     lavapipe; named in the unit); baseline: the cpu backend (createDecoderModel 'cpu') at the same
 *     batch, same run. The cross-entropy dlogits are computed on the CPU for both (part of the step).
 * Cross-entropy: the plain references' step uses a plain JS loop (two exps per logit); the fast step and
 * the backend comparison use the cpu backend's f32 log-softmax backward (loss/log-softmax-gather.cpu.ts)
 * with dL/dlogprob = −1/count at every predicting position (same maths, one exp per logit).
 * Timing: median of several steps after warm-up steps (sessions created, buffers grown).
 * Threads: the fast path is timed with ORT at 1 thread and at all cores (idle ORT threads sleep instead
 * of spinning, see src/ort/ort-session.ts) and the faster is reported (named in the unit): on a busy
 * 2-core machine 1 thread can still win overall.
 */
import { availableParallelism } from 'node:os';
import { compared, median, writeResults, type BenchEntry } from '../../../tools/bench/harness.js';
import { matmulCeiling } from './ort-ceiling.js';
import { OrtMatmul } from '../src/ort/ort-matmul.js';
import { logSoftmaxGatherBackwardF32 } from '../src/loss/log-softmax-gather.cpu.js';
import { createDecoderModel, type DecoderModel } from '../src/backend-model/index.js';
import { CpuDecoderModel, ortMatmulEngine } from '../src/decoder/index.js';
import { initWeights, parameterCount, parseDecoderConfig } from '@rlvr/core';
import { seededInts } from '@rlvr/core';

const SEQ = 64;
const FAST_BATCH = 64;
const REF_BATCH = 8;
const GPU_BATCH = 4;
const THREADS = availableParallelism();
const config = parseDecoderConfig({
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
});
const params = parameterCount(config);
const weights = initWeights(config, 1);
const adamw = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** Plain-loop mean next-token cross-entropy's dlogits into `d` [batch, seq, vocab] (last position 0): the reference step's. */
function crossEntropyGrad(
  logits: Float32Array,
  tokens: Int32Array,
  batch: number,
  seq: number,
  vocab: number,
  d: Float32Array,
): void {
  const count = batch * (seq - 1);
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < seq; s++) {
      const o = (b * seq + s) * vocab;
      if (s === seq - 1) {
        d.fill(0, o, o + vocab);
        continue;
      }
      let m = -Infinity;
      for (let j = 0; j < vocab; j++) if (logits[o + j]! > m) m = logits[o + j]!;
      let sum = 0;
      for (let j = 0; j < vocab; j++) sum += Math.exp(logits[o + j]! - m);
      const inv = 1 / (sum * count);
      for (let j = 0; j < vocab; j++) d[o + j] = Math.exp(logits[o + j]! - m) * inv;
      const t = o + tokens[b * seq + s + 1]!;
      d[t] = d[t]! - 1 / count;
    }
  }
}

/** The cross-entropy dlogits of one step: plain loop (reference) or the cpu backend's log-softmax backward (fast). */
type CrossEntropy = (
  logits: Float32Array,
  tokens: Int32Array,
  batch: number,
  d: Float32Array,
) => void | Promise<unknown>;

const plainCrossEntropy: CrossEntropy = (logits, tokens, batch, d) =>
  crossEntropyGrad(logits, tokens, batch, SEQ, config.vocabSize, d);

/**
 * The fast cross-entropy: the mean next-token loss is −(1/count)·Σ logprob(target), so its dlogits are the
 * log-softmax backward with dL/dlogprob = −1/count at each predicting position and 0 at the last one.
 */
const fastCrossEntropy: CrossEntropy = (logits, tokens, batch, d) => {
  const rows = batch * SEQ;
  const targets = new Int32Array(rows);
  const gLogprob = new Float32Array(rows);
  const inv = 1 / (batch * (SEQ - 1));
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s + 1 < SEQ; s++) {
      targets[b * SEQ + s] = tokens[b * SEQ + s + 1]!;
      gLogprob[b * SEQ + s] = -inv;
    }
  }
  d.set(logSoftmaxGatherBackwardF32(logits, targets, gLogprob, null, { tokens: rows, vocab: config.vocabSize }));
};

/** Median seconds per training step of `model` at `batch` over `runs` steps after `warmup` steps. */
async function stepSeconds(
  model: CpuDecoderModel<Float32Array>,
  batch: number,
  runs: number,
  warmup: number,
  ce: CrossEntropy,
): Promise<number> {
  const tokens = seededInts(3, batch * SEQ, config.vocabSize);
  const mask = new Int32Array(batch * SEQ).fill(1);
  const dlogits = new Float32Array(batch * SEQ * config.vocabSize);
  const state = model.createAdamWState();
  const samples: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = process.hrtime.bigint();
    const logits = await model.forward(tokens, mask, batch, SEQ);
    await ce(logits, tokens, batch, dlogits);
    await model.backward(dlogits);
    model.step(state, adamw);
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    if (i >= warmup) samples.push(s);
    process.stdout.write(
      `  ${model.ops}/${model.engine.name} batch ${batch} step ${i}${i < warmup ? ' (warm-up)' : ''}: ${s.toFixed(3)} s\n`,
    );
  }
  return median(samples);
}

/** Median seconds per full step (forward, cross-entropy dlogits, backward, AdamW) of a backend model at `batch`. */
async function backendStepSeconds(
  model: DecoderModel,
  batch: number,
  runs: number,
  warmup: number,
  ce: CrossEntropy,
): Promise<number> {
  const tokens = seededInts(3, batch * SEQ, config.vocabSize);
  const mask = new Int32Array(batch * SEQ).fill(1);
  const dlogits = new Float32Array(batch * SEQ * config.vocabSize);
  const samples: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = process.hrtime.bigint();
    const logits = await model.forward(tokens, mask, batch, SEQ);
    await ce(logits, tokens, batch, dlogits);
    await model.backward(dlogits);
    await model.step(adamw);
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    if (i >= warmup) samples.push(s);
    process.stdout.write(
      `  ${model.backend} batch ${batch} step ${i}${i < warmup ? ' (warm-up)' : ''}: ${s.toFixed(3)} s\n`,
    );
  }
  return median(samples);
}

/** ORT MatMul (NN) GFLOP/s at m×n×k, median of 20 runs after warm-up (the matmul bench's baseline, remeasured here). */
async function ortGflops(m: number, n: number, k: number): Promise<number> {
  const ceiling = await matmulCeiling(m, n, k, THREADS);
  try {
    await ceiling.gflops(2);
    return await ceiling.gflops(20);
  } finally {
    await ceiling.release();
  }
}

process.stdout.write(`train-step bench: ${params} parameters, seq ${SEQ}, ${THREADS} ORT threads\n`);
const entries: BenchEntry[] = [];
{
  let fastS = Infinity;
  let fastThreads = 0;
  for (const threads of [...new Set([1, THREADS])]) {
    const engine = new OrtMatmul({ threads });
    try {
      const s = await stepSeconds(
        CpuDecoderModel.f32(config, weights, ortMatmulEngine(engine)),
        FAST_BATCH,
        5,
        2,
        fastCrossEntropy,
      );
      process.stdout.write(`  ORT ${threads} thread(s): ${s.toFixed(3)} s/step\n`);
      if (s < fastS) [fastS, fastThreads] = [s, threads];
    } finally {
      await engine.dispose();
    }
  }
  const reference = CpuDecoderModel.f32(config, weights);
  const refS = await stepSeconds(reference, REF_BATCH, 2, 1, plainCrossEntropy);
  const ortRate = await ortGflops(4096, 256, 256);

  const fastTokens = FAST_BATCH * SEQ;
  const fastTps = fastTokens / fastS;
  const refTps = (REF_BATCH * SEQ) / refS;
  const attnFlops = 12 * config.numHiddenLayers * FAST_BATCH * config.numAttentionHeads * SEQ * SEQ * config.headDim;
  const gflops = (6 * params * fastTokens + attnFlops) / fastS / 1e9;
  process.stdout.write(
    `fast ${fastTps.toFixed(0)} tokens/s (${fastS.toFixed(3)} s/step), reference ${refTps.toFixed(1)} tokens/s (${refS.toFixed(2)} s/step)\n`,
  );
  process.stdout.write(`fast ${gflops.toFixed(2)} GFLOP/s vs ORT MatMul 4096×256×256 ${ortRate.toFixed(2)} GFLOP/s\n`);
  const what = `${params}-parameter Qwen2-like decoder (hidden 128, 4 layers, 4/2 heads, intermediate 344, vocab 2048), seq ${SEQ}, forward + cross-entropy + backward + AdamW, ${THREADS} threads`;
  entries.push(
    compared(
      'train-step-cpu',
      fastTps,
      refTps,
      `tokens/s (higher is better); ${what}; fast cpu ops + ORT MatMul (${fastThreads} thread(s)) at batch ${FAST_BATCH}; baseline: all-reference path (plain-loop ops and products) at batch ${REF_BATCH}, same run`,
    ),
  );
  entries.push(
    compared(
      'train-step-cpu-flops',
      gflops,
      ortRate,
      `GFLOP/s (higher is better); ${what}, batch ${FAST_BATCH}, ORT ${fastThreads} thread(s) in the step; FLOPs = 6·params·tokens + 12·layers·batch·heads·seq²·headDim; baseline: ORT MatMul (NN) 4096×256×256, same run`,
    ),
  );
}
{
  // WebGPU (whatever adapter exists; lavapipe in CI) against the cpu backend, same batch, same run.
  // Both backends get the same (fast) cross-entropy, so the comparison is of the models alone.
  const ce = fastCrossEntropy;
  const cpuModel = await createDecoderModel({ config, weights, backend: 'cpu' });
  let cpuS: number;
  try {
    cpuS = await backendStepSeconds(cpuModel, GPU_BATCH, 5, 2, ce);
  } finally {
    await cpuModel.dispose();
  }
  const gpuModel = await createDecoderModel({ config, weights, backend: 'webgpu' });
  let gpuS: number;
  try {
    gpuS = await backendStepSeconds(gpuModel, GPU_BATCH, 5, 2, ce);
  } finally {
    await gpuModel.dispose();
  }
  const tokens = GPU_BATCH * SEQ;
  process.stdout.write(
    `webgpu ${(tokens / gpuS).toFixed(0)} tokens/s (${gpuS.toFixed(3)} s/step), cpu backend ${(tokens / cpuS).toFixed(0)} tokens/s (${cpuS.toFixed(3)} s/step)\n`,
  );
  entries.push(
    compared(
      'train-step-webgpu',
      tokens / gpuS,
      tokens / cpuS,
      `tokens/s (higher is better); ${params}-parameter Qwen2-like decoder (hidden 128, 4 layers, 4/2 heads, intermediate 344, vocab 2048), batch ${GPU_BATCH} × seq ${SEQ}, forward + cross-entropy + backward + AdamW on WebGPU (${gpuModel.reason}); baseline: the cpu backend (fast ops + ORT MatMul, ${THREADS} threads) at the same shape, same run`,
    ),
  );
}
writeResults('kernels', entries, { merge: true });
