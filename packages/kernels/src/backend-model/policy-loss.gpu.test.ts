import { describeGpu } from '../device/describe-gpu.js';
import { initWeights, parseDecoderConfig } from '@rlvr/core';
import type { PolicyBatch, PolicyLossOptions } from '../policy/policy-batch.js';
import { createDecoderModel, type DecoderModel } from './index.js';

// Budgets of backend-model.gpu.test.ts (derived op by op in src/gpu-decoder's GPU test): gradients
// within 3e-4 of each tensor's max |grad|; logprobs are log-softmax outputs of O(1) logits, whose f32
// difference between the two backends is a few 1e-6 (1e-4 of max|logit| bounds it with room).
const GRAD_TOL = 3e-4;
const LOGP_TOL = 1e-4;

const config = parseDecoderConfig({
  model_type: 'llama',
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 40,
  vocab_size: 53,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: true,
});
const weights = initWeights(config, 13, 0.4);
const B = 2;
const S = 9;
const MASK = Int32Array.from({ length: B * S }, (_, i) => (i < 3 ? 0 : 1));
const TOKENS = Int32Array.from({ length: B * S }, (_, i) => (MASK[i] ? (i * 17 + 5) % config.vocabSize : 0));
const LOSS_MASK = Float32Array.from({ length: B * (S - 1) }, (_, i) => (i % (S - 1) >= 4 ? 1 : 0));
const ADV = Float32Array.from({ length: B * (S - 1) }, (_, i) => (i < S - 1 ? 1.1 : -0.7));

/**
 * A batch whose old and reference logprobs are shifted off the policy's `logprob` (and with `sampler`,
 * a sampler's as well), so that clipping, the KL term and the importance weights all act.
 */
function offPolicyBatch(logprob: Float32Array, sampler = false): PolicyBatch {
  const oldLogp = Float32Array.from(logprob, (x, i) => x + (i % 2 ? 0.3 : -0.3));
  return {
    tokens: TOKENS,
    attentionMask: MASK,
    batch: B,
    seq: S,
    lossMask: LOSS_MASK,
    advantages: ADV,
    oldLogp,
    refLogp: Float32Array.from(oldLogp, (x, i) => x - 0.05 * i),
    ...(sampler ? { samplerLogp: Float32Array.from(oldLogp, (x, i) => x + 0.2 * Math.sin(i)) } : {}),
  };
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? err : err / scale;
}

await describeGpu('DecoderModel.policyLoss on webgpu vs cpu', () => {
  let cpu: DecoderModel;
  let web: DecoderModel;
  beforeAll(async () => {
    cpu = await createDecoderModel({ config, weights, backend: 'cpu', log: null, threads: 1 });
    web = await createDecoderModel({ config, weights, backend: 'webgpu', log: null });
  });
  afterAll(async () => {
    await cpu.dispose();
    await web.dispose();
  });

  it('tokenLogprobs, the loss with its statistics, accumulated gradients, the clipped step and optimizer state agree', async () => {
    const a = await cpu.tokenLogprobs(TOKENS, MASK, B, S, { temperature: 0.8 });
    const b = await web.tokenLogprobs(TOKENS, MASK, B, S, { temperature: 0.8 });
    expect(relErr(b.logprob, a.logprob)).toBeLessThan(LOGP_TOL);
    expect(relErr(b.entropy, a.entropy)).toBeLessThan(LOGP_TOL);

    const batch = offPolicyBatch(a.logprob);
    const o: PolicyLossOptions = { epsLow: 0.2, epsHigh: 0.28, beta: 0.04, kl: 'k3', aggregation: 'seq-mean-token-mean', temperature: 0.8, entropyCoef: 0.01 };
    const first = { ...batch, lossMask: Float32Array.from(LOSS_MASK, (m, i) => (i < S - 1 ? m : 0)) };
    const rest = { ...batch, lossMask: Float32Array.from(LOSS_MASK, (m, i) => (i < S - 1 ? 0 : m)) };
    const stats = [];
    for (const model of [cpu, web]) {
      const s1 = await model.policyLoss(first, o);
      const s2 = await model.policyLoss(rest, { ...o, accumulate: true, lossScale: 0.5 });
      stats.push([s1, s2]);
    }
    for (const k of [0, 1]) {
      const [c, w] = [stats[0]![k]!, stats[1]![k]!];
      expect(Math.abs(w.loss - c.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(c.loss)));
      expect(w.clipFraction).toBeCloseTo(c.clipFraction, 6);
      expect(Math.abs(w.klMean - c.klMean)).toBeLessThan(1e-5);
      expect(Math.abs(w.entropyMean - c.entropyMean)).toBeLessThan(1e-4);
      expect(relErr(w.logp, c.logp)).toBeLessThan(LOGP_TOL);
    }
    expect(stats[0]![0]!.clipFraction + stats[0]![1]!.clipFraction).toBeGreaterThan(0);
    const gc = await cpu.gradients();
    const gw = await web.gradients();
    const failures = Object.keys(gc).filter((name) => !(relErr(gw[name]!.data, gc[name]!.data) <= GRAD_TOL));
    expect(failures).toEqual([]);

    const adamw = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 0.05 };
    const rc = await cpu.step(adamw);
    const rw = await web.step(adamw);
    expect(rc.clipScale).toBeLessThan(1);
    expect(Math.abs(rw.gradNorm - rc.gradNorm)).toBeLessThan(GRAD_TOL * rc.gradNorm);
    expect(Math.abs(rw.clipScale - rc.clipScale)).toBeLessThan(GRAD_TOL);
    await expect(web.step(adamw)).rejects.toThrow(/step: no gradients since the last step/);

    const sw = await web.optimizerState();
    const sc = await cpu.optimizerState();
    expect(sw.step).toBe(1);
    for (const name of Object.keys(sc.m)) expect(relErr(sw.m[name]!.data, sc.m[name]!.data)).toBeLessThan(GRAD_TOL);
    // Upload the cpu moments to the GPU and read them back unchanged.
    await web.setOptimizerState(sc);
    const back = await web.optimizerState();
    for (const name of Object.keys(sc.v)) expect(back.v[name]!.data).toEqual(sc.v[name]!.data);
    expect(back.step).toBe(1);
  });

  // Options the fused kernel lacks run as the log-softmax kernel, the reference loss on the rows and the backward kernel.
  it.each([
    ['GSPO sequence ratio, dual clip c = 3, k2 KL, token-mask IS', { importanceLevel: 'sequence', clipRatioC: 3, beta: 0.05, kl: 'k2', tisCap: 1.2, tisMode: 'token-mask' }],
    [
      'low-var-kl, sequence-truncate IS, top-entropy 0.5, seq-mean-token-sum, entropy bonus',
      { aggregation: 'seq-mean-token-sum', beta: 0.05, kl: 'low-var-kl', tisCap: 1.5, tisMode: 'sequence-truncate', topEntropyQuantile: 0.5, entropyCoef: 0.01 },
    ],
  ] as [string, Partial<PolicyLossOptions>][])('%s: webgpu and cpu agree', async (_name, extra) => {
    const a = await cpu.tokenLogprobs(TOKENS, MASK, B, S);
    const batch = offPolicyBatch(a.logprob, true);
    const o: PolicyLossOptions = { epsLow: 0.2, epsHigh: 0.28, beta: 0, aggregation: 'token-mean', ...extra };
    const [c, w] = [await cpu.policyLoss(batch, o), await web.policyLoss(batch, o)];
    expect(Math.abs(w.loss - c.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(c.loss)));
    expect(w.clipFraction).toBeCloseTo(c.clipFraction, 6);
    expect(w.clipRegionFraction).toBeCloseTo(c.clipRegionFraction, 6);
    expect(Math.abs(w.isWeightMean - c.isWeightMean)).toBeLessThan(1e-4);
    expect(Math.abs(w.klMean - c.klMean)).toBeLessThan(1e-5);
    const gc = await cpu.gradients();
    const gw = await web.gradients();
    expect(Object.keys(gc).filter((name) => !(relErr(gw[name]!.data, gc[name]!.data) <= GRAD_TOL))).toEqual([]);
    expect(Object.values(gc).some((g) => g.data.some((x) => x !== 0))).toBe(true);
  });

  it('on-policy (no oldLogp): webgpu and cpu give the same loss and gradients, with no clipping', async () => {
    const batch: PolicyBatch = { tokens: TOKENS, attentionMask: MASK, batch: B, seq: S, lossMask: LOSS_MASK, advantages: ADV };
    const o: PolicyLossOptions = { epsLow: 0.2, epsHigh: 0.28, beta: 0, aggregation: 'token-mean' };
    const [c, w] = [await cpu.policyLoss(batch, o), await web.policyLoss(batch, o)];
    expect(c.clipFraction).toBe(0);
    expect(w.clipFraction).toBe(0);
    expect(Math.abs(w.loss - c.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(c.loss)));
    const gc = await cpu.gradients();
    const gw = await web.gradients();
    expect(Object.keys(gc).filter((name) => !(relErr(gw[name]!.data, gc[name]!.data) <= GRAD_TOL))).toEqual([]);
  });
});
