import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initWeights, parseDecoderConfig } from '@rlvr/core';
import { createDecoderModel, type DecoderModel } from '@rlvr/kernels';
import { readCheckpoint, writeCheckpoint } from '../checkpoint/index.js';
import { checkpointContent, restoreOptimizerState } from './checkpoint-content.js';

const config = parseDecoderConfig({
  model_type: 'llama',
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 24,
  vocab_size: 29,
  max_position_embeddings: 32,
  tie_word_embeddings: true,
});
const weights = initWeights(config, 5, 0.3);
const TOKENS = Int32Array.from({ length: 8 }, (_, i) => (i * 7) % 29);
const MASK = new Int32Array(8).fill(1);
const ADAMW = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
const LORA = { rank: 2, alpha: 4, dropout: 0, targetModules: ['q_proj', 'v_proj'], useRslora: false };

/** A cpu policy after one AdamW step (LoRA adapters when `lora`). */
async function steppedPolicy(lora: boolean): Promise<DecoderModel> {
  const policy = await createDecoderModel({
    config,
    weights,
    backend: 'cpu',
    cpuEngine: 'eager',
    log: null,
    threads: 1,
    ...(lora ? { lora: { settings: LORA, seed: 3 } } : {}),
  });
  const logits = await policy.forward(TOKENS, MASK, 2, 4);
  await policy.backward(Float32Array.from(logits, (x, i) => 0.01 * Math.cos(i) * x));
  await policy.step(ADAMW);
  return policy;
}

test('a full fine-tune checkpoints the policy’s own arrays (no copy), and they read back as the copies would', async () => {
  const policy = await steppedPolicy(false);
  const dir = mkdtempSync(join(tmpdir(), 'rlvr-checkpoint-content-'));
  try {
    const content = await checkpointContent(policy, false);
    const live = policy.liveTensors()!;
    for (const [name, t] of Object.entries(live.weights)) {
      expect(content.weights[name]!.data).toBe(t.data);
      expect(content.checked[name]!.data).toBe(t.data);
      expect(content.optimizerState.m[name]!.data).toBe(live.optimizerState.m[name]!.data);
      expect(content.optimizerState.v[name]!.data).toBe(live.optimizerState.v[name]!.data);
    }
    const state = { rng: {}, dataCursor: null, config: {} };
    const written = writeCheckpoint(dir, 1, { modelConfig: config, ...content, ...state });
    const read = readCheckpoint(written);
    const [copies, moments] = [await policy.weights(), await policy.optimizerState()];
    expect(read.optimizerState.step).toBe(1);
    for (const name of Object.keys(copies)) {
      expect(read.weights[name]!.data).toEqual(copies[name]!.data);
      expect(read.optimizerState.m[name]!.data).toEqual(moments.m[name]!.data);
      expect(read.optimizerState.v[name]!.data).toEqual(moments.v[name]!.data);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await policy.dispose();
  }
});

test('a LoRA run writes its adapters and their moments, and checks the adapters it writes, not a merged copy of the weights', async () => {
  const policy = await steppedPolicy(true);
  try {
    const content = await checkpointContent(policy, true);
    const adapters = (await policy.adapters())!;
    expect(Object.keys(content.weights).sort()).toEqual(Object.keys(adapters).sort());
    for (const [name, t] of Object.entries(adapters)) expect(content.weights[name]!.data).toEqual(t.data);
    expect(content.checked).toBe(content.weights);
    expect(Object.keys(content.optimizerState.m).sort()).toEqual(Object.keys(adapters).sort());
  } finally {
    await policy.dispose();
  }
});

test('resume reads the AdamW moments tensor by tensor into the policy’s own arrays (the same objects, the checkpoint’s values)', async () => {
  const stepped = await steppedPolicy(false);
  const fresh = await createDecoderModel({ config, weights, backend: 'cpu', cpuEngine: 'eager', log: null, threads: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'rlvr-restore-'));
  try {
    const content = await checkpointContent(stepped, false);
    const written = writeCheckpoint(dir, 1, { modelConfig: config, ...content, rng: {}, dataCursor: null, config: {} });
    const own = fresh.liveTensors()!.optimizerState;
    await restoreOptimizerState(fresh, written);
    const after = fresh.liveTensors()!.optimizerState;
    const expected = await stepped.optimizerState();
    expect(after.step).toBe(1);
    for (const name of Object.keys(expected.m)) {
      expect(after.m[name]!.data).toBe(own.m[name]!.data);
      expect(after.v[name]!.data).toBe(own.v[name]!.data);
      expect(after.m[name]!.data).toEqual(expected.m[name]!.data);
      expect(after.v[name]!.data).toEqual(expected.v[name]!.data);
    }
    expect(await fresh.optimizerState()).toEqual(expected);
    // A checkpoint without its moments names the checkpoint.
    unlinkSync(join(written, 'optimizer.safetensors'));
    await expect(restoreOptimizerState(fresh, written)).rejects.toThrow(/AdamW moments/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await stepped.dispose();
    await fresh.dispose();
  }
});
