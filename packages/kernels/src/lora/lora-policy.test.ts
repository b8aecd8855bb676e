import { initWeights, seededInts } from '@rlvr/core';
import { createDecoderModel } from '../backend-model/backend-model.js';
import type { PolicyBatch, PolicyLossOptions } from '../policy/policy-batch.js';
import { KernelOptionError } from '../errors.js';
import { maxAbs, maxDiff, tinyDecoderConfig } from '../testing/decoder-fixtures.js';
import type { LoraSettings } from './lora-spec.js';

const config = tinyDecoderConfig({ vocab_size: 23 });
const weights = initWeights(config, 7, 0.3);
const B = 3;
const S = 7;
const tokens = seededInts(4, B * S, config.vocabSize);
const mask = Int32Array.from({ length: B * S }, (_, i) => (i < 2 ? 0 : 1));
const batch: PolicyBatch = {
  tokens,
  attentionMask: mask,
  batch: B,
  seq: S,
  lossMask: Float32Array.from({ length: B * (S - 1) }, (_, i) => (i % (S - 1) >= 2 ? 1 : 0)),
  advantages: Float32Array.from({ length: B * (S - 1) }, (_, i) => Math.sin(i + 1)),
};
const LOSS: PolicyLossOptions = { epsLow: 0.2, epsHigh: 0.28, beta: 0, aggregation: 'token-mean' };
const SETTINGS: LoraSettings = { rank: 2, alpha: 4, dropout: 0, targetModules: ['q_proj', 'down_proj'], useRslora: false };
const ADAMW = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
// Head chunks of 4 rows × 23 columns, so the frozen head's chunked backward runs in several slices.
const cpuMemory = { logitsChunkBytes: 4 * 4 * 23 };

describe('createDecoderModel with lora (cpu backend)', () => {
  /**
   * At PEFT's init (B = 0, no dropout) the adapter's gradients follow from the full model's: for y = x·Wᵀ
   * + s·x·Aᵀ·Bᵀ, dB = s·dW·Aᵀ and dA = s·Bᵀ·dW = 0, with dW the full model's weight gradient. So the
   * policy loss's chunked-head path (frozen head, no weight-gradient products) is checked against the
   * full-training path on the same batch.
   */
  it('policy-loss gradients of B at init are scale · dW · Aᵀ of the full model; A’s are zero', async () => {
    const full = await createDecoderModel({ config, weights, backend: 'cpu', log: null, threads: 1, cpuEngine: 'eager', cpuMemory });
    const lora = await createDecoderModel({
      config,
      weights,
      backend: 'cpu',
      log: null,
      threads: 1,
      cpuMemory,
      lora: { settings: SETTINGS, seed: 3 },
    });
    try {
      expect(lora.lora).toEqual(SETTINGS);
      expect(full.lora).toBeNull();
      expect(await full.adapters()).toBeNull();
      const statsFull = await full.policyLoss(batch, LOSS);
      const statsLora = await lora.policyLoss(batch, LOSS);
      // B = 0: the adapted model is the base model, bit for bit.
      expect(statsLora.loss).toBe(statsFull.loss);
      const gFull = await full.gradients();
      const gLora = await lora.gradients();
      const adapters = (await lora.adapters())!;
      expect(Object.keys(gLora).sort()).toEqual(Object.keys(adapters).sort());
      const scale = SETTINGS.alpha / SETTINGS.rank;
      for (const [module, base] of [
        ['self_attn.q_proj', { out: 16, in: 16 }],
        ['mlp.down_proj', { out: 16, in: 24 }],
      ] as const) {
        for (const layer of [0, 1]) {
          const path = `base_model.model.model.layers.${layer}.${module}`;
          const a = adapters[`${path}.lora_A.weight`]!.data;
          const dW = gFull[`model.layers.${layer}.${module}.weight`]!.data;
          const expected = new Float64Array(base.out * SETTINGS.rank);
          for (let o = 0; o < base.out; o++) {
            for (let j = 0; j < SETTINGS.rank; j++) {
              let sum = 0;
              for (let i = 0; i < base.in; i++) sum += dW[o * base.in + i]! * a[j * base.in + i]!;
              expected[o * SETTINGS.rank + j] = scale * sum;
            }
          }
          const dB = gLora[`${path}.lora_B.weight`]!.data;
          expect(maxAbs(expected)).toBeGreaterThan(1e-4);
          expect(maxDiff(dB, expected)).toBeLessThan(1e-4 * maxAbs(expected));
          expect(maxAbs(gLora[`${path}.lora_A.weight`]!.data)).toBe(0);
        }
      }
    } finally {
      await full.dispose();
      await lora.dispose();
    }
  });

  it('a step trains only the adapters: weights() are the merged ones, and the AdamW state names the adapters', async () => {
    const model = await createDecoderModel({
      config,
      weights,
      backend: 'cpu',
      log: null,
      threads: 1,
      lora: { settings: { ...SETTINGS, dropout: 0.2 }, seed: 3 },
    });
    try {
      await model.policyLoss(batch, LOSS);
      await model.step(ADAMW);
      await model.policyLoss(batch, LOSS);
      await model.step(ADAMW);
      const merged = await model.weights();
      for (const [name, t] of Object.entries(merged)) {
        const changed = maxDiff(t.data, weights[name]!.data) > 0;
        expect([name, changed]).toEqual([name, /(q_proj|down_proj)\.weight$/.test(name)]);
      }
      const state = await model.optimizerState();
      expect(state.step).toBe(2);
      expect(Object.keys(state.m).sort()).toEqual(Object.keys((await model.adapters())!).sort());
      await model.setOptimizerState(state);
      await expect(model.setOptimizerState({ step: 1, m: { 'model.norm.weight': { shape: [16], data: new Float32Array(16) } }, v: {} })).rejects.toThrow(
        'optimizer state: m has unknown tensor model.norm.weight',
      );
    } finally {
      await model.dispose();
    }
  });

  it('dropout applies to training forwards only: evaluation logprobs are deterministic and dropout-free', async () => {
    const settings = { ...SETTINGS, dropout: 0.5 };
    const trained = await createDecoderModel({ config, weights, backend: 'cpu', log: null, threads: 1, lora: { settings, seed: 3 } });
    try {
      await trained.policyLoss(batch, LOSS);
      await trained.step(ADAMW);
      const adapters = (await trained.adapters())!;
      const again = await createDecoderModel({
        config,
        weights,
        backend: 'cpu',
        log: null,
        threads: 1,
        lora: { settings: { ...settings, dropout: 0 }, seed: 0, adapters },
      });
      try {
        const a = await trained.tokenLogprobs(tokens, mask, B, S);
        const b = await again.tokenLogprobs(tokens, mask, B, S);
        expect(Array.from(a.logprob)).toEqual(Array.from(b.logprob));
      } finally {
        await again.dispose();
      }
    } finally {
      await trained.dispose();
    }
  });

  it('tokenLogprobs with adapters: false are the frozen base model’s, bit for bit (a KL reference without a second copy)', async () => {
    const model = await createDecoderModel({ config, weights, backend: 'cpu', log: null, threads: 1, lora: { settings: SETTINGS, seed: 3 } });
    const base = await createDecoderModel({ config, weights, backend: 'cpu', log: null, threads: 1, cpuEngine: 'eager' });
    try {
      await model.policyLoss(batch, LOSS);
      await model.step(ADAMW);
      const reference = await base.tokenLogprobs(tokens, mask, B, S);
      const off = await model.tokenLogprobs(tokens, mask, B, S, { adapters: false });
      const on = await model.tokenLogprobs(tokens, mask, B, S);
      expect(Array.from(off.logprob)).toEqual(Array.from(reference.logprob));
      expect(maxDiff(on.logprob, reference.logprob)).toBeGreaterThan(1e-6);
      // The adapters are back on for the next call.
      expect(Array.from((await model.tokenLogprobs(tokens, mask, B, S)).logprob)).toEqual(Array.from(on.logprob));
    } finally {
      await model.dispose();
      await base.dispose();
    }
  });

  it('the compiled engine refuses lora, naming it', async () => {
    await expect(createDecoderModel({ config, weights, backend: 'cpu', log: null, cpuEngine: 'compiled', lora: { settings: SETTINGS, seed: 1 } })).rejects.toThrow(KernelOptionError);
    await expect(createDecoderModel({ config, weights, backend: 'cpu', log: null, cpuEngine: 'compiled', lora: { settings: SETTINGS, seed: 1 } })).rejects.toThrow(
      'compiled engine does not train LoRA adapters',
    );
  });
});
