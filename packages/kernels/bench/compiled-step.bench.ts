/**
 * The cpu backend's full training step — forward, the PG loss (token-mean, PPO clip, on-policy), backward
 * and AdamW with clipping, through `createDecoderModel` — on the compiled engine (two ONNX Runtime calls
 * per micro-batch) against its ceiling and against the eager engine. Entries (merged into
 * bench-results/kernels.json):
 *   - `train-step-cpu-1m-flops`, `train-step-cpu-30m-flops`: achieved GFLOP/s of the compiled step,
 *     FLOPs = 6·P·T + 12·L·B·H·S²·D (see train-step.bench.ts), against ORT MatMul GFLOP/s at the model's
 *     largest GEMM (tokens × hidden · hidden × vocab), same threads. The two are measured interleaved,
 *     round by round, because this machine's speed swings when its cores are shared; `ratio` is the
 *     median of the per-round ratios, `value` and `baseline` the medians of each.
 *   - `train-step-cpu-demo`: tokens/s of the demo model's train phase shape (the embedded Countdown base
 *     model, micro-batch 64 × seq 112), compiled, against the eager engine, interleaved the same way.
 */
import { availableParallelism } from 'node:os';
import { comparedRounds, writeResults, type BenchEntry } from '../../../tools/bench/harness.js';
import { initWeights, parameterCount, parseDecoderConfig, seededInts, type DecoderConfig } from '@rlvr/core';
import { createDecoderModel, type DecoderModel } from '../src/backend-model/index.js';
import type { PolicyBatch } from '../src/policy/index.js';
import { matmulCeiling } from './ort-ceiling.js';
import { DEMO_MODEL_JSON } from '../src/testing/model-shapes.js';

const THREADS = availableParallelism();
const ROUNDS = Number(process.env.RLVR_BENCH_ROUNDS ?? 3);
const adamw = { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 };
const loss = { epsLow: 0.2, epsHigh: 0.2, beta: 0, aggregation: 'token-mean' as const };

/** A policy batch of random tokens, every position after the first quarter a loss token, advantages ±1. */
function policyBatch(c: DecoderConfig, batch: number, seq: number): PolicyBatch {
  const n = batch * (seq - 1);
  return {
    tokens: seededInts(3, batch * seq, c.vocabSize),
    attentionMask: new Int32Array(batch * seq).fill(1),
    batch,
    seq,
    lossMask: Float32Array.from({ length: n }, (_, i) => (i % (seq - 1) >= seq >> 2 ? 1 : 0)),
    advantages: Float32Array.from({ length: n }, (_, i) => ((i * 7) % 3) - 1),
  };
}

/** Seconds of one full step (policyLoss + step) of `model` on `batch`. */
async function stepSeconds(model: DecoderModel, batch: PolicyBatch): Promise<number> {
  const start = process.hrtime.bigint();
  await model.policyLoss(batch, loss);
  await model.step(adamw);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** GFLOP/s of the compiled step against the ORT MatMul ceiling at the model's largest GEMM, interleaved. */
async function flopsEntry(
  name: string,
  json: Record<string, unknown>,
  batch: number,
  seq: number,
  what: string,
): Promise<BenchEntry> {
  const c = parseDecoderConfig(json);
  const params = parameterCount(c);
  const tokens = batch * seq;
  const flops = 6 * params * tokens + 12 * c.numHiddenLayers * batch * c.numAttentionHeads * seq * seq * c.headDim;
  const model = await createDecoderModel({
    config: c,
    weights: initWeights(c, 1),
    backend: 'cpu',
    cpuEngine: 'compiled',
    log: null,
    threads: THREADS,
  });
  const ceiling = await matmulCeiling(tokens, Math.max(c.vocabSize, c.intermediateSize), c.hiddenSize, THREADS);
  const b = policyBatch(c, batch, seq);
  const achieved: number[] = [];
  const ceilings: number[] = [];
  try {
    await stepSeconds(model, b); // warm-up: sessions created, buffers grown
    for (let r = 0; r < ROUNDS; r++) {
      const s = await stepSeconds(model, b);
      achieved.push(flops / s / 1e9);
      ceilings.push(await ceiling.gflops(5));
      process.stdout.write(
        `  ${name} round ${r}: step ${s.toFixed(2)} s = ${achieved.at(-1)!.toFixed(1)} GFLOP/s, MatMul ${ceilings.at(-1)!.toFixed(1)} GFLOP/s\n`,
      );
    }
  } finally {
    await model.dispose();
    await ceiling.release();
  }
  return comparedRounds(
    name,
    achieved,
    ceilings,
    `GFLOP/s (higher is better); ${params}-parameter ${what}, batch ${batch} × seq ${seq}, compiled cpu engine (forward + PG loss + backward + AdamW), ${THREADS} threads; FLOPs = 6·params·tokens + 12·layers·batch·heads·seq²·headDim; baseline: ORT MatMul ${tokens}×${c.hiddenSize}·${c.hiddenSize}×${Math.max(c.vocabSize, c.intermediateSize)}, interleaved rounds, ratio = median of per-round ratios`,
  );
}

/** Tokens/s of the compiled and eager engines at the demo's train-phase shape, interleaved. */
async function demoEntry(): Promise<BenchEntry> {
  const c = parseDecoderConfig(DEMO_MODEL_JSON);
  const batch = 64;
  const seq = 112;
  const weights = initWeights(c, 1);
  const compiled = await createDecoderModel({
    config: c,
    weights,
    backend: 'cpu',
    cpuEngine: 'compiled',
    log: null,
    threads: THREADS,
  });
  const eager = await createDecoderModel({
    config: c,
    weights,
    backend: 'cpu',
    cpuEngine: 'eager',
    log: null,
    threads: THREADS,
  });
  const b = policyBatch(c, batch, seq);
  const fast: number[] = [];
  const slow: number[] = [];
  try {
    await stepSeconds(compiled, b);
    await stepSeconds(eager, b);
    for (let r = 0; r < ROUNDS * 2; r++) {
      fast.push((batch * seq) / (await stepSeconds(compiled, b)));
      slow.push((batch * seq) / (await stepSeconds(eager, b)));
      process.stdout.write(
        `  demo round ${r}: compiled ${fast.at(-1)!.toFixed(0)} tokens/s, eager ${slow.at(-1)!.toFixed(0)} tokens/s\n`,
      );
    }
  } finally {
    await compiled.dispose();
    await eager.dispose();
  }
  return comparedRounds(
    'train-step-cpu-demo',
    fast,
    slow,
    `tokens/s (higher is better); the demo model (${parameterCount(c)} parameters, Llama, hidden 64, 2 layers, vocab 517) at its train phase's micro-batch 64 × seq 112, forward + PG loss + backward + AdamW, ${THREADS} threads; compiled engine; baseline: the eager engine, interleaved rounds, ratio = median of per-round ratios`,
  );
}

const entries: BenchEntry[] = [];
entries.push(await demoEntry());
entries.push(
  await flopsEntry(
    'train-step-cpu-1m-flops',
    {
      model_type: 'qwen2',
      hidden_size: 128,
      num_hidden_layers: 4,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      intermediate_size: 344,
      vocab_size: 2048,
      tie_word_embeddings: true,
    },
    64,
    64,
    'Qwen2-like decoder (hidden 128, 4 layers, 4/2 heads, intermediate 344, vocab 2048)',
  ),
);
entries.push(
  await flopsEntry(
    'train-step-cpu-30m-flops',
    {
      model_type: 'llama',
      hidden_size: 512,
      num_hidden_layers: 8,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      intermediate_size: 1408,
      vocab_size: 8192,
      tie_word_embeddings: true,
    },
    4,
    256,
    'Llama-style decoder (hidden 512, 8 layers, 8/4 heads, intermediate 1408, vocab 8192)',
  ),
);
writeResults('kernels', entries, { merge: true });
