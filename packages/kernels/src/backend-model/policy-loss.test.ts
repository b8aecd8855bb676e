import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuDecoderModel } from '../decoder/model.js';
import { initWeights } from '@rlvr/core';
import { tinyDecoderConfig } from '../testing/decoder-fixtures.js';
import type { PolicyBatch, PolicyLossOptions } from '../policy/policy-batch.js';
import { pgLossFromLogits } from '../loss/pg-loss-logits.reference.js';
import { SeededRandom } from '@rlvr/core';
import { createDecoderModel, loadDecoderModel, saveDecoderModel, type DecoderModel } from './index.js';
import type { CpuEngine, CpuMemoryOptions } from './cpu-backend.js';

// f32 fast path (ORT products, f32 ops) against the all-f64 reference composition: relative to the
// largest value of each tensor, f32 rounding over these reduction lengths (≤ 40) stays below ~1e-6;
// 1e-4 leaves room for the exp/log of the softmax over 23 entries while still catching any wrong
// shift, mask or aggregation (those change gradients by O(1) of their scale).
const TOL = 1e-4;

const config = tinyDecoderConfig({ vocab_size: 23, tie_word_embeddings: true });
const weights = initWeights(config, 5, 0.4);
const B = 3;
const S = 7;
// Row 0 left-padded by two; rows 1 and 2 full. The last four targets of each row are the "completion".
const MASK = Int32Array.from({ length: B * S }, (_, i) => (i < 2 ? 0 : 1));
const random = new SeededRandom(9);
const TOKENS = Int32Array.from({ length: B * S }, (_, i) => (MASK[i] ? Math.floor(random.next() * config.vocabSize) : 0));
const LOSS_MASK = Float32Array.from({ length: B * (S - 1) }, (_, i) => (i % (S - 1) >= S - 5 ? 1 : 0));
const ADV = Float32Array.from({ length: B * (S - 1) }, (_, i) => [0.9, -1.3, 0.4][Math.floor(i / (S - 1))]!);

/** An independent all-f64 composition: reference model, rows s < S − 1 only, the PG loss over [B, S − 1], backward. */
async function referenceLoss(batch: PolicyBatch, o: PolicyLossOptions): Promise<{ loss: number; logp: Float64Array; grads: Record<string, Float64Array> }> {
  const model = CpuDecoderModel.f64(config, weights);
  const logits = await model.forward(batch.tokens, batch.attentionMask, B, S);
  const v = config.vocabSize;
  const rows = new Float64Array(B * (S - 1) * v);
  const targets = new Int32Array(B * (S - 1));
  for (let b = 0; b < B; b++) {
    for (let s = 0; s + 1 < S; s++) {
      rows.set(logits.subarray((b * S + s) * v, (b * S + s + 1) * v), (b * (S - 1) + s) * v);
      targets[b * (S - 1) + s] = batch.tokens[b * S + s + 1]!;
    }
  }
  const f64 = (a: ArrayLike<number> | null | undefined): Float64Array | null => (a ? Float64Array.from(a) : null);
  const r = pgLossFromLogits(
    rows,
    targets,
    {
      oldLogp: f64(batch.oldLogp),
      advantages: f64(batch.advantages)!,
      mask: f64(batch.lossMask)!,
      refLogp: f64(batch.refLogp),
      samplerLogp: f64(batch.samplerLogp),
    },
    { ...o, batch: B, seqLen: S - 1, vocab: v },
  );
  const dlogits = new Float64Array(B * S * v);
  for (let b = 0; b < B; b++) for (let s = 0; s + 1 < S; s++) dlogits.set(r.dlogits.subarray((b * (S - 1) + s) * v, (b * (S - 1) + s + 1) * v), (b * S + s) * v);
  const grads = await model.backward(dlogits);
  return { loss: r.loss, logp: r.logp, grads: Object.fromEntries(Object.entries(grads).map(([k, t]) => [k, t.data.slice()])) };
}

/** max |a − b| / max |b| (or the absolute error when b is all zero). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? err : err / scale;
}

/** A batch whose old logprobs sit ±0.35 from the current ones (so PPO clipping engages on some tokens). */
async function makeBatch(model: DecoderModel, extra: Partial<Omit<PolicyBatch, 'oldLogp'>> = {}): Promise<PolicyBatch & { oldLogp: Float32Array }> {
  const { logprob } = await model.tokenLogprobs(TOKENS, MASK, B, S);
  const oldLogp = Float32Array.from(logprob, (x, i) => x + (i % 3 === 0 ? 0.35 : i % 3 === 1 ? -0.35 : 0.05));
  return { tokens: TOKENS, attentionMask: MASK, batch: B, seq: S, lossMask: LOSS_MASK, advantages: ADV, oldLogp, ...extra };
}

const base: PolicyLossOptions = { epsLow: 0.2, epsHigh: 0.28, beta: 0, aggregation: 'token-mean' };

// 4 rows of logits per forward chunk (boundaries inside sequences of 7, padding in row 0) and 4
// vocabulary columns per backward slice (23 = 5 × 4 + 3).
const SMALL_CHUNKS = 4 * config.vocabSize * 4;

// Both cpu engines, the eager one also with every memory bound engaged, against the same f64 reference:
// every loss option, accumulation, state round trips.
describe.each([
  ['eager', 'eager', {}],
  ['eager, chunked head, attention recompute, every layer checkpointed', 'eager', { logitsChunkBytes: SMALL_CHUNKS, recomputeAttention: true, checkpointLayers: true }],
  ['eager, chunked head, layer 1 checkpointed, attention probabilities kept', 'eager', { logitsChunkBytes: SMALL_CHUNKS, recomputeAttention: false, checkpointLayers: [1] }],
  ['compiled', 'compiled', {}],
] as [string, CpuEngine, CpuMemoryOptions][])('DecoderModel.policyLoss / tokenLogprobs / step (cpu backend, %s)', (_engineName, cpuEngine, cpuMemory) => {
  let model: DecoderModel;
  beforeEach(async () => {
    model = await createDecoderModel({ config, weights, backend: 'cpu', log: null, threads: 1, cpuEngine, cpuMemory });
  });
  afterEach(async () => model.dispose());

  it('tokenLogprobs are the shifted next-token logprobs of the reference model', async () => {
    const { logprob, entropy } = await model.tokenLogprobs(TOKENS, MASK, B, S);
    expect(logprob.length).toBe(B * (S - 1));
    const ref = await CpuDecoderModel.f64(config, weights).tokenLogprobs(TOKENS, MASK, B, S);
    // Row 0's first targets follow padding: compare real positions only.
    const real = (i: number): boolean => MASK[Math.floor(i / (S - 1)) * S + (i % (S - 1))] === 1;
    for (let i = 0; i < ref.length; i++) if (real(i)) expect(Math.abs(logprob[i]! - ref[i]!)).toBeLessThan(1e-5);
    for (const h of entropy) expect(h).toBeGreaterThan(0);
    const hot = await model.tokenLogprobs(TOKENS, MASK, B, S, { temperature: 2 });
    expect(hot.entropy[10]!).toBeGreaterThan(entropy[10]!);
  });

  it.each([
    ['token-mean, no KL', base],
    ['seq-mean-token-mean, k3 KL, entropy bonus', { ...base, aggregation: 'seq-mean-token-mean', beta: 0.1, kl: 'k3', entropyCoef: 0.01 }],
    ['seq-mean-token-sum-norm, default N = seq − 1', { ...base, aggregation: 'seq-mean-token-sum-norm' }],
    ['seq-mean-token-sum-norm (N = 8), k1 KL, truncated IS, temperature 0.7', { ...base, aggregation: 'seq-mean-token-sum-norm', normaliser: 8, beta: 0.05, kl: 'k1', tisCap: 1.5, temperature: 0.7 }],
    // Options the fused loss kernels lack: the engines run the reference loss on the rows.
    ['GSPO sequence ratio, dual clip c = 3, k2 KL', { ...base, importanceLevel: 'sequence', clipRatioC: 3, beta: 0.05, kl: 'k2' }],
    [
      'seq-mean-token-sum, low-var-kl, sequence-mask IS, top-entropy 0.5, entropy bonus',
      { ...base, aggregation: 'seq-mean-token-sum', beta: 0.05, kl: 'low-var-kl', tisCap: 1.5, tisMode: 'sequence-mask', topEntropyQuantile: 0.5, entropyCoef: 0.01 },
    ],
  ] as [string, PolicyLossOptions][])('%s: loss, logp and every gradient equal the f64 reference composition', async (_name, o) => {
    const batch = await makeBatch(model);
    if (o.beta !== 0) batch.refLogp = Float32Array.from(batch.oldLogp, (x, i) => x - 0.1 * Math.cos(i));
    if (o.tisCap) batch.samplerLogp = Float32Array.from(batch.oldLogp, (x, i) => x + 0.5 * Math.sin(i));
    const stats = await model.policyLoss(batch, o);
    const ref = await referenceLoss(batch, o);
    expect(Math.abs(stats.loss - ref.loss)).toBeLessThan(TOL * Math.max(1, Math.abs(ref.loss)));
    // GSPO's sequence ratios (the geometric mean of ±0.35 offsets) stay inside the clip range here.
    if (o.importanceLevel !== 'sequence') expect(stats.clipFraction).toBeGreaterThan(0);
    for (let i = 0; i < ref.logp.length; i++) if (LOSS_MASK[i]) expect(Math.abs(stats.logp[i]! - ref.logp[i]!)).toBeLessThan(1e-5);
    const grads = await model.gradients();
    const failures = Object.entries(ref.grads)
      .filter(([name, g]) => !(relErr(grads[name]!.data, g) <= TOL))
      .map(([name, g]) => `${name}: ${relErr(grads[name]!.data, g)}`);
    expect(failures).toEqual([]);
  });

  it("on-policy (no oldLogp): ratio 1, the loss and gradients of oldLogp = the model's own logprobs, and the f64 reference's", async () => {
    const o: PolicyLossOptions = { ...base, beta: 0.05, kl: 'k3', tisCap: 1.5 };
    const onPolicy: PolicyBatch = await makeBatch(model);
    delete onPolicy.oldLogp;
    onPolicy.refLogp = Float32Array.from({ length: B * (S - 1) }, (_, i) => -3 + 0.1 * Math.cos(i));
    onPolicy.samplerLogp = Float32Array.from({ length: B * (S - 1) }, (_, i) => -3 + 0.5 * Math.sin(i));
    const stats = await model.policyLoss(onPolicy, o);
    expect(stats.clipFraction).toBe(0);
    const grads = await model.gradients();
    const own = (await model.tokenLogprobs(TOKENS, MASK, B, S)).logprob;
    const explicit = await model.policyLoss({ ...onPolicy, oldLogp: own }, o);
    // The same f32 forward gives the same logprobs bit for bit, so both paths compute r = exp(0) = 1.
    expect(explicit.loss).toBe(stats.loss);
    const again = await model.gradients();
    for (const [name, g] of Object.entries(grads)) expect(Array.from(again[name]!.data)).toEqual(Array.from(g.data));
    const ref = await referenceLoss(onPolicy, o);
    expect(Math.abs(stats.loss - ref.loss)).toBeLessThan(TOL * Math.max(1, Math.abs(ref.loss)));
    const failures = Object.entries(ref.grads)
      .filter(([name, g]) => !(relErr(grads[name]!.data, g) <= TOL))
      .map(([name, g]) => `${name}: ${relErr(grads[name]!.data, g)}`);
    expect(failures).toEqual([]);
  });

  it('accumulate adds micro-batch gradients; a step consumes them and reports the global norm', async () => {
    const batch = await makeBatch(model);
    const half = (keep: (b: number) => boolean): PolicyBatch => ({ ...batch, lossMask: Float32Array.from(LOSS_MASK, (m, i) => (keep(Math.floor(i / (S - 1))) ? m : 0)) });
    const o: PolicyLossOptions = { ...base, aggregation: 'seq-mean-token-sum-norm', normaliser: 4 };
    await model.policyLoss(
      half((b) => b === 0),
      o,
    );
    const g0 = await model.gradients();
    await model.policyLoss(
      half((b) => b > 0),
      o,
    );
    const g1 = await model.gradients();
    await model.policyLoss(
      half((b) => b === 0),
      { ...o, accumulate: true },
    );
    const sum = await model.gradients();
    // seq-mean-token-sum-norm divides by B·N for any mask, so the two halves add up to the whole batch.
    await model.policyLoss(batch, o);
    const whole = await model.gradients();
    const scaled = await model.policyLoss(batch, { ...o, lossScale: 0.25 });
    const quarter = await model.gradients();
    expect(scaled.loss).toBeCloseTo((await model.policyLoss(batch, o)).loss, 6);
    for (const name of Object.keys(whole)) {
      expect(
        relErr(
          quarter[name]!.data,
          Float32Array.from(whole[name]!.data, (x) => 0.25 * x),
        ),
      ).toBeLessThan(1e-6);
    }
    await expect(model.policyLoss(batch, { ...o, lossScale: 0 })).rejects.toThrow(/lossScale must be finite and > 0, got 0/);
    for (const name of Object.keys(whole)) {
      const expected = Float32Array.from(g0[name]!.data, (x, i) => x + g1[name]!.data[i]!);
      expect(relErr(sum[name]!.data, expected)).toBeLessThan(1e-6);
      expect(relErr(whole[name]!.data, expected)).toBeLessThan(1e-5);
    }
    let ss = 0;
    for (const t of Object.values(whole)) for (const x of t.data) ss += x * x;
    const report = await model.step({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: Math.sqrt(ss) / 4 });
    expect(report.gradNorm).toBeCloseTo(Math.sqrt(ss), 6);
    expect(report.clipScale).toBeCloseTo(0.25, 5);
    await expect(model.step({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 })).rejects.toThrow(/step: no gradients since the last step/);
    await model.policyLoss(batch, o);
    expect((await model.step({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1e9 })).clipScale).toBe(1);
  });

  it('optimizer state round-trips: a restored model takes the identical next step', async () => {
    const adamw = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    const zero = await model.optimizerState();
    expect(zero.step).toBe(0);
    expect(zero.m['model.norm.weight']!.data.every((x) => x === 0)).toBe(true);
    const batch = await makeBatch(model);
    await model.policyLoss(batch, base);
    await model.step(adamw);
    const state = await model.optimizerState();
    expect(state.step).toBe(1);
    const twin = await createDecoderModel({ config, weights: await model.weights(), backend: 'cpu', log: null, threads: 1, cpuEngine, cpuMemory });
    try {
      await twin.setOptimizerState(state);
      await model.policyLoss(batch, base);
      await twin.policyLoss(batch, base);
      await model.step(adamw);
      await twin.step(adamw);
      const a = await model.weights();
      const b = await twin.weights();
      for (const name of Object.keys(a)) expect(b[name]!.data).toEqual(a[name]!.data);
      const bad = { ...state, m: { ...state.m } };
      delete bad.m['model.norm.weight'];
      await expect(twin.setOptimizerState(bad)).rejects.toThrow('optimizer state: m is missing model.norm.weight');
      await expect(twin.setOptimizerState({ ...state, v: { ...state.v, 'model.norm.weight': { shape: [3], data: new Float32Array(3) } } })).rejects.toThrow(/v\.model\.norm\.weight has shape \[3\]/);
    } finally {
      await twin.dispose();
    }
  });

  it('bad batches fail naming the array and entry', async () => {
    const batch = await makeBatch(model);
    await expect(model.policyLoss({ ...batch, advantages: new Float32Array(3) }, base)).rejects.toThrow(/advantages has 3 entries; expected \[batch 3, seq − 1 = 6\] = 18/);
    await expect(model.policyLoss({ ...batch, lossMask: Float32Array.from(LOSS_MASK, (m, i) => (i === 0 ? 1 : m)) }, base)).rejects.toThrow(
      /lossMask\[0\] = 1 but token 1 of sequence 0 or its predecessor is padding/,
    );
    await expect(model.policyLoss({ ...batch, oldLogp: Float32Array.from(batch.oldLogp, (x, i) => (i === 5 ? NaN : x)) }, base)).rejects.toThrow(/oldLogp\[5\] is NaN at a loss token/);
    await expect(model.policyLoss(batch, { ...base, beta: 0.1 })).rejects.toThrow(/refLogp is required when beta = 0.1/);
    await expect(model.policyLoss(batch, { ...base, tisCap: 2 })).rejects.toThrow(/truncated IS needs both samplerLogp and tisCap/);
  });

  it('saves to and loads from a Hugging Face model directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rlvr-decoder-'));
    try {
      await model.policyLoss(await makeBatch(model), base);
      await model.step({ lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
      await saveDecoderModel(model, dir);
      const loaded = await loadDecoderModel(dir, { backend: 'cpu', log: null, threads: 1, cpuEngine });
      try {
        expect(loaded.config).toEqual(config);
        const a = await model.forward(TOKENS, MASK, B, S);
        expect(await loaded.forward(TOKENS, MASK, B, S)).toEqual(a);
      } finally {
        await loaded.dispose();
      }
      await expect(loadDecoderModel(join(dir, 'nope'), { backend: 'cpu', log: null })).rejects.toThrow(/nope\/config\.json: missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
