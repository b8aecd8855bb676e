/**
 * A LoRA policy's sampler runs the adapters in its graph on the policy's frozen base (rlStep's sync
 * phase with a real cpu policy and a real ONNX Runtime sampler): the arrays it is fed are the policy's
 * own, and its rollouts equal those of a sampler built from the merged weights W + scale·B·A.
 */
import { createDecoderModel, type DecoderModel, type LoraSettings } from '@rlvr/kernels';
import { CausalLm, Sampler } from '@rlvr/sampler';
import { rlStep } from '../loop/rl-step.js';
import { trainingWeightMode } from '../loop/task-environment.js';
import { testStepSettings } from '../testing/step-settings.js';
import { parityScore, tinyStepModel } from '../testing/tiny-step.js';
import { samplerLora } from './sampler-lora.js';

const { tiny, tokenizer } = tinyStepModel();
const M = 4;
const prompts = ['How many clips', 'The quick brown fox', 'Answer:'].map((t) => ({ ids: tokenizer.encode(t), reference: null }));

/** A LoRA policy after one optimizer step (B is zero before it), and a sampler running its live adapters, synced by rlStep. */
async function steppedPair(settings: LoraSettings): Promise<{ policy: DecoderModel; lm: CausalLm }> {
  const policy = await createDecoderModel({
    config: tiny.config,
    weights: tiny.weights,
    backend: 'cpu',
    cpuEngine: 'eager',
    log: null,
    threads: 1,
    lora: { settings, seed: 5 },
  });
  const lm = await CausalLm.fromWeights(tiny.config, policy.liveAdapters()!.base, {
    weightMode: trainingWeightMode('cpu'),
    lora: samplerLora(policy.liveAdapters()!),
  });
  const sampler = new Sampler(lm, tokenizer);
  const ctx = {
    policy,
    sampler: {
      generate: (p: number[][], o: object) => sampler.generate(p, o as never),
      setWeights: (w: never, a: never) => lm.setWeights(w, a),
      runsAdapters: true,
    },
    score: parityScore,
  };
  const optimizer = { lr: 5e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
  const r = await rlStep(ctx as never, prompts, testStepSettings(M, { seed: 3, optimizer }));
  expect(r.optimizerSteps).toBe(1);
  return { policy, lm };
}

const ALL_LINEAR: LoraSettings = { rank: 4, alpha: 8, dropout: 0, targetModules: 'all-linear', useRslora: false };
const RSLORA_QV: LoraSettings = { rank: 4, alpha: 3, dropout: 0, targetModules: ['q_proj', 'v_proj'], useRslora: true };

test.each([
  ['all linear layers, scale α/r', ALL_LINEAR],
  ['q and v under rsLoRA, scale α/√r', RSLORA_QV],
])('%s: after a step the sampler reads the policy’s own base and adapter arrays, and samples as the merged weights do', async (_, settings) => {
  const { policy, lm } = await steppedPair(settings);
  try {
    const live = policy.liveAdapters()!;
    expect(live.scale).toBe(settings.useRslora ? settings.alpha / Math.sqrt(settings.rank) : settings.alpha / settings.rank);
    const b = live.targets[0]!.b;
    expect(live.adapters[b]!.data.some((x) => x !== 0)).toBe(true); // the step moved B off zero
    for (const [n, t] of Object.entries({ ...live.base, ...live.adapters })) expect(lm.weightInputs[n]).toBe(t.data);
    expect(Object.keys(lm.weightInputs).sort()).toEqual(Object.keys({ ...live.base, ...live.adapters }).sort());

    // A sampler built from the merged weights W + scale·B·A (the policy's weights() under LoRA).
    const merged = await CausalLm.fromWeights(tiny.config, await policy.weights(), { weightMode: 'inputs' });
    try {
      const options = { groupSize: M, maxNewTokens: 8, seed: 9 };
      const ids = prompts.map((p) => p.ids);
      const a = await new Sampler(lm, tokenizer).generate(ids, options);
      const m = await new Sampler(merged, tokenizer).generate(ids, options);
      expect(a.map((x) => x.completionIds)).toEqual(m.map((x) => x.completionIds));
      // x·Wᵀ + s·(x·Aᵀ)·Bᵀ and x·(W + s·B·A)ᵀ are one sum rounded to f32 in two orders: logprobs agree to
      // a few f32 ulps of the logits (|logits| ≲ 10 here), far below any difference between tokens.
      let worst = 0;
      a.forEach((x, i) => x.logprobs.forEach((lp, j) => (worst = Math.max(worst, Math.abs(lp - m[i]!.logprobs[j]!)))));
      expect(worst).toBeLessThan(2e-5);
      // With the adapters off (B zero) the graph is the base model: the same tokens as a plain base sampler.
      const zeroB = Object.fromEntries(Object.entries(live.adapters).map(([n, t]) => [n, n.endsWith('lora_B.weight') ? { shape: t.shape, data: new Float32Array(t.data.length) } : t]));
      await lm.setWeights(live.base, zeroB);
      const base = await CausalLm.fromWeights(tiny.config, tiny.weights, { weightMode: 'inputs' });
      const off = await new Sampler(lm, tokenizer).generate(ids, options);
      const plain = await new Sampler(base, tokenizer).generate(ids, options);
      expect(off.map((x) => [x.completionIds, x.logprobs])).toEqual(plain.map((x) => [x.completionIds, x.logprobs]));
      await base.release();
    } finally {
      await merged.release();
    }
  } finally {
    await policy.dispose();
    await lm.release();
  }
});

test('the sampler rejects adapters of the wrong shape or missing, naming the tensor', async () => {
  const policy = await createDecoderModel({ config: tiny.config, weights: tiny.weights, backend: 'cpu', log: null, threads: 1, lora: { settings: RSLORA_QV, seed: 1 } });
  try {
    const lora = samplerLora(policy.liveAdapters()!);
    const [a, b] = Object.keys(lora.adapters) as [string, string];
    const bad = { ...lora.adapters, [a]: { shape: [2, 3], data: new Float32Array(6) } };
    delete (bad as Record<string, unknown>)[b];
    await expect(CausalLm.fromWeights(tiny.config, tiny.weights, { weightMode: 'inputs', lora: { ...lora, adapters: bad } })).rejects.toThrow(
      new RegExp(`${a.replace(/\./g, '\\.')}: shape \\[2, 3\\].*${b.replace(/\./g, '\\.')}: missing`),
    );
    const lm = await CausalLm.fromWeights(tiny.config, tiny.weights, { weightMode: 'inputs', lora });
    await expect(lm.setWeights(tiny.weights)).rejects.toThrow(/runs LoRA adapters; pass them/);
    await lm.release();
  } finally {
    await policy.dispose();
  }
});
