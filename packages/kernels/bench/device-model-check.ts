/**
 * The WebGPU DecoderModel on a lent GPU machine (no Node.js or node_modules there; bundled by
 * tools/scripts/pack-device-check.sh): writes what `torch-parity.py` compares against Hugging Face
 * transformers, and times the model's full RL training step (forward, fused PG loss with dlogits on the
 * GPU, backward, clipped AdamW) on three decoder shapes. Plain-text output.
 *
 * Usage: node device-model-check.mjs OUT_DIR. Writes OUT_DIR/parity/<case>/ (config.json,
 * model.safetensors, inputs.json, ours.safetensors with `logits` and `grad.<name>`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  initWeights,
  parameterCount,
  parseDecoderConfig,
  writeModelDirectory,
  writeSafetensors,
  type DecoderConfig,
  type NamedTensors,
} from '@rlvr/core';
import { describeAdapter, requestGpuDevice } from '../src/device/index.js';
import { GpuDecoderModel } from '../src/gpu-decoder/index.js';
import type { PolicyBatch } from '../src/policy/index.js';
import { SeededRandom } from '@rlvr/core';
import { QWEN25_05B_JSON } from '../src/testing/model-shapes.js';

const out = process.argv[2] ?? 'device-out';
const gpu = await requestGpuDevice();
console.log(
  `adapter: ${describeAdapter(gpu.adapter)}; maxStorageBufferBindingSize ${gpu.limits.maxStorageBufferBindingSize}, maxBufferSize ${gpu.limits.maxBufferSize}`,
);

/** Mean next-token cross-entropy over pairs of real tokens, and its dlogits (f64 math, f32 result). */
function crossEntropy(
  logits: Float32Array,
  tokens: Int32Array,
  mask: Int32Array,
  batch: number,
  seq: number,
  vocab: number,
): Float32Array {
  const d = new Float32Array(logits.length);
  let count = 0;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s + 1 < seq; s++) if (mask[b * seq + s] && mask[b * seq + s + 1]) count++;
  }
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s + 1 < seq; s++) {
      if (!(mask[b * seq + s] && mask[b * seq + s + 1])) continue;
      const o = (b * seq + s) * vocab;
      let m = -Infinity;
      for (let j = 0; j < vocab; j++) m = Math.max(m, logits[o + j]!);
      let sum = 0;
      for (let j = 0; j < vocab; j++) sum += Math.exp(logits[o + j]! - m);
      for (let j = 0; j < vocab; j++) d[o + j] = Math.exp(logits[o + j]! - m) / sum / count;
      d[o + tokens[b * seq + s + 1]!]! -= 1 / count;
    }
  }
  return d;
}

// 1. Parity cases for transformers: left padding, GQA, Qwen2 biases, tied and untied heads.
const parity: [string, Record<string, unknown>][] = [
  [
    'qwen2-tied-bias',
    {
      model_type: 'qwen2',
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      intermediate_size: 96,
      vocab_size: 97,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000,
      tie_word_embeddings: true,
      max_position_embeddings: 128,
    },
  ],
  [
    'llama-untied',
    {
      model_type: 'llama',
      hidden_size: 48,
      num_hidden_layers: 3,
      num_attention_heads: 6,
      num_key_value_heads: 3,
      intermediate_size: 80,
      vocab_size: 61,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      tie_word_embeddings: false,
      max_position_embeddings: 128,
    },
  ],
];
for (const [name, json] of parity) {
  const config = parseDecoderConfig(json);
  const weights = initWeights(config, 7, 0.05);
  const random = new SeededRandom(3);
  // Qwen2 biases are zero from initWeights: make them matter.
  for (const [k, t] of Object.entries(weights)) {
    if (k.endsWith('.bias')) for (let i = 0; i < t.data.length; i++) t.data[i] = 0.1 * (2 * random.next() - 1);
  }
  const batch = 3;
  const seq = 12;
  const mask = Int32Array.from({ length: batch * seq }, (_, i) => (i < 4 ? 0 : 1));
  const tokens = Int32Array.from({ length: batch * seq }, (_, i) =>
    mask[i] ? Math.floor(random.next() * config.vocabSize) : 0,
  );
  const dir = join(out, 'parity', name);
  writeModelDirectory(dir, config, weights);
  writeFileSync(
    join(dir, 'inputs.json'),
    JSON.stringify({ batch, seq, tokens: Array.from(tokens), mask: Array.from(mask) }),
  );
  const model = GpuDecoderModel.create(gpu, config, weights);
  const logits = await model.forward(tokens, mask, batch, seq);
  const grads = await model.backward(crossEntropy(logits, tokens, mask, batch, seq, config.vocabSize));
  const ours: NamedTensors = { logits: { shape: [batch, seq, config.vocabSize], data: logits } };
  for (const [k, t] of Object.entries(grads)) ours[`grad.${k}`] = t;
  writeSafetensors(join(dir, 'ours.safetensors'), ours);
  model.dispose();
  console.log(`parity case ${name}: written to ${dir}`);
}

// 2. The full RL training step on three shapes: ~1M (the lavapipe bench's), SmolLM2-135M, Qwen2.5-0.5B.
const shapes: [string, Record<string, unknown>, number, number][] = [
  [
    'qwen2-1m',
    {
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
    },
    64,
    64,
  ],
  [
    'smollm2-135m',
    {
      model_type: 'llama',
      hidden_size: 576,
      num_hidden_layers: 30,
      num_attention_heads: 9,
      num_key_value_heads: 3,
      intermediate_size: 1536,
      vocab_size: 49152,
      rms_norm_eps: 1e-5,
      rope_theta: 100000,
      tie_word_embeddings: true,
    },
    8,
    256,
  ],
  ['qwen2.5-0.5b', QWEN25_05B_JSON, 4, 256],
];
const timing: Record<string, unknown>[] = [];
// RLVR_DEVICE_SHAPES=1 runs only the first shape (a dry run on lavapipe before spending GPU time).
for (const [name, json, batch, seq] of shapes.slice(0, Number(process.env.RLVR_DEVICE_SHAPES ?? shapes.length))) {
  const config: DecoderConfig = parseDecoderConfig(json);
  const params = parameterCount(config);
  let model: GpuDecoderModel | undefined;
  try {
    model = GpuDecoderModel.create(gpu, config, initWeights(config, 1, 0.02));
    const n = batch * seq;
    const random = new SeededRandom(5);
    const tokens = Int32Array.from({ length: n }, () => Math.floor(random.next() * config.vocabSize));
    const mask = new Int32Array(n).fill(1);
    const old = await model.tokenLogprobs(tokens, mask, batch, seq);
    const p: PolicyBatch = {
      tokens,
      attentionMask: mask,
      batch,
      seq,
      lossMask: new Float32Array(batch * (seq - 1)).fill(1),
      advantages: Float32Array.from({ length: batch * (seq - 1) }, (_, i) => (Math.floor(i / (seq - 1)) % 2 ? 1 : -1)),
      oldLogp: old.logprob,
    };
    const samples: number[] = [];
    for (let i = 0; i < 6; i++) {
      const start = performance.now();
      await model.policyLoss(p, { epsLow: 0.2, epsHigh: 0.28, beta: 0, aggregation: 'token-mean' });
      await model.step({ lr: 1e-6, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 });
      if (i >= 2) samples.push((performance.now() - start) / 1000);
    }
    samples.sort((a, b) => a - b);
    const s = samples[Math.floor(samples.length / 2)]!;
    const flops = 6 * params * n + 12 * batch * config.numAttentionHeads * seq * seq * config.headDim;
    const row = { name, params, batch, seq, secondsPerStep: s, tokensPerSecond: n / s, tflops: flops / s / 1e12 };
    timing.push(row);
    console.log(
      `train step ${name} (${(params / 1e6).toFixed(1)}M params, batch ${batch} × seq ${seq}): ${s.toFixed(3)} s/step, ${(n / s).toFixed(0)} tokens/s, ${(flops / s / 1e12).toFixed(2)} TFLOP/s`,
    );
  } catch (error) {
    timing.push({ name, params, batch, seq, error: String(error) });
    console.log(`train step ${name}: FAILED ${String(error).slice(0, 400)}`);
  } finally {
    model?.dispose();
  }
}
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'webgpu-train-step.json'), `${JSON.stringify(timing, null, 2)}\n`);
gpu.destroy();
