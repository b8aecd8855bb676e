import { initWeights } from '@rlvr/core';
import { createDecoderModel, type DecoderModel, type LoraSettings } from '@rlvr/kernels';
import { tinyDecoderConfig } from '@rlvr/kernels/testing';
import { loraParameterCount, memoryCopies, memoryLine, memoryTotal } from './memory-accounting.js';

// Untied with biases (Qwen2-style), so lm_head and the bias tensors count: every parameter kind appears.
const config = tinyDecoderConfig({ vocab_size: 40, max_position_embeddings: 64 });

const LORA: LoraSettings = {
  rank: 3,
  alpha: 6,
  dropout: 0,
  targetModules: ['q_proj', 'v_proj', 'down_proj'],
  useRslora: false,
};

/** Bytes of every tensor in a named set. */
const bytesOf = (tensors: Record<string, { data: Float32Array }> | null): number => Object.values(tensors ?? {}).reduce((n, t) => n + t.data.byteLength, 0);

/** A model on the cpu backend after one backward and one AdamW step, so gradients and moments exist. */
async function stepped(lora: LoraSettings | null): Promise<{ model: DecoderModel; gradientBytes: number }> {
  const model = await createDecoderModel({
    config,
    weights: initWeights(config, 5),
    backend: 'cpu',
    log: null,
    ...(lora ? { lora: { settings: lora, seed: 1, init: 'gaussian' as const } } : {}),
  });
  const tokens = [1, 5, 9, 2, 7, 3];
  const logits = await model.forward(tokens, [1, 1, 1, 1, 1, 1], 2, 3);
  const gradients = await model.backward(logits.map((x) => 0.01 * x));
  await model.step({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  return { model, gradientBytes: bytesOf(gradients) };
}

describe('memoryCopies', () => {
  it("equals the bytes of the model's own buffers when every weight trains: weights, gradients, AdamW's m and v", async () => {
    const { model, gradientBytes } = await stepped(null);
    try {
      const weights = bytesOf(await model.weights());
      const state = await model.optimizerState();
      const copies = memoryCopies(config, null, false);
      expect(copies.policyWeights).toBe(weights);
      expect(copies.samplerWeights).toBe(weights);
      expect(copies.gradients).toBe(gradientBytes);
      expect(copies.adamMoments).toBe(bytesOf(state.m) + bytesOf(state.v));
      expect(copies.loraAdapters).toBe(0);
      expect(copies.klReference).toBe(0);
      expect(memoryCopies(config, null, true).klReference).toBe(weights);
    } finally {
      await model.dispose();
    }
  });

  it("under LoRA: the frozen weights once, and gradients and moments of the adapters' buffers only", async () => {
    const { model, gradientBytes } = await stepped(LORA);
    try {
      const adapters = bytesOf(await model.adapters());
      const state = await model.optimizerState();
      const copies = memoryCopies(config, LORA, false);
      expect(copies.policyWeights).toBe(bytesOf(await model.weights()));
      expect(copies.loraAdapters).toBe(adapters);
      expect(copies.gradients).toBe(gradientBytes);
      expect(copies.gradients).toBe(adapters);
      expect(copies.adamMoments).toBe(bytesOf(state.m) + bytesOf(state.v));
      // rank 3 × (in + out) of q (16 → 16), v (16 → 8) and down (24 → 16), per layer: worked out by hand.
      expect(loraParameterCount(config, LORA)).toBe(2 * 3 * (16 + 16 + (16 + 8) + (24 + 16)));
    } finally {
      await model.dispose();
    }
  });

  it('prints each nonzero copy and their sum', () => {
    const copies = {
      samplerWeights: 1.98e9,
      policyWeights: 1.98e9,
      loraAdapters: 0,
      gradients: 1.98e9,
      adamMoments: 3.96e9,
      klReference: 0,
    };
    expect(memoryTotal(copies)).toBe(9.9e9);
    expect(memoryLine(copies)).toBe(
      "memory: sampler weights 1.98 GB, policy weights 1.98 GB, gradients 1.98 GB, AdamW moments 3.96 GB = 9.90 GB (f32; activations and ONNX Runtime's buffers besides)",
    );
  });

  it('a sampler reading the policy’s own arrays (training on the cpu backend) is no copy: named as shared, not counted', () => {
    const config = tinyDecoderConfig();
    const shared = memoryCopies(config, null, false, true);
    const own = memoryCopies(config, null, false);
    expect(shared.samplerWeights).toBe(0);
    expect(memoryTotal(own) - memoryTotal(shared)).toBe(own.samplerWeights);
    expect(memoryLine(shared)).toMatch(/^memory: sampler weights shared with the policy, policy weights /);
  });
});
