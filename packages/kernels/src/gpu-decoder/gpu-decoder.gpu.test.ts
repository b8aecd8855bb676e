import { CpuDecoderModel } from '../decoder/model.js';
import { describeGpu } from '../device/describe-gpu.js';
import { parameterSpecs, parseDecoderConfig } from '@rlvr/core';
import { SeededRandom } from '@rlvr/core';
import { AdamwTolerance } from '../adamw/adamw.tolerance.js';
import { assertClose } from '../kernel-common/plan.js';
import { referenceMatmul } from '../decoder/matmul-engine.js';
import { GpuDecoderModel } from './index.js';
import { testWeights } from './test-weights.js';

// Tolerance: |gpu − ref| ≤ 1e-4 · max|ref logit| over real (mask = 1) positions.
// Budget: each layer is ~40 f32-rounded ops deep on the path to a logit (RMSNorm's sum of squares and
// rsqrt, 5 Linear dot products of length ≤ 48 plus biases, RoPE's 2 products + add, the attention
// score dot, exp, sum and weighted average, SwiGLU's exp/div/mul, 2 residual adds); both sides round
// every op to f32 but in a different order (the GPU's matmul sums in vec4 lanes, its exp/inverseSqrt
// are a few ulp, not correctly rounded), so per op they differ by up to ~k·u with u = 2⁻²⁴ ≈ 6e-8 and
// k ≤ 48 the reduction length. Summed over 2 layers + head: ≈ (2·40 + 48) · a few u ≈ 1e-5 of the
// activations' scale, amplified by at most a small factor (weights ~1/√in keep the network near
// unit gain), so 1e-4 leaves ~10× headroom over that bound (measured on lavapipe: ≤ 4.8e-7; Qwen3's
// per-head q/k RMSNorm adds two reductions of length head_dim ≤ 12 per layer, within the budget). Real
// defects tried by hand moved logits by 1e-1…1e0 of their scale (dropped q/k/v bias 1.4e-1, no RoPE
// 5e-1, lm_head ignored 4.9). Not observable here, by design: a constant shift of a row's positions
// (RoPE scores depend only on position differences), so left padding is checked through its mask.
const REL_TOL = 1e-4;

const qwen2 = parseDecoderConfig({
  model_type: 'qwen2',
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 48,
  vocab_size: 37,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: false,
});
const llama = parseDecoderConfig({
  model_type: 'llama',
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 48,
  vocab_size: 37,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: true,
});
// Llama with attention_bias: q/k/v and o_proj biases (the only config where o_proj has one).
const llamaBias = parseDecoderConfig({
  model_type: 'llama',
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 48,
  vocab_size: 37,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: true,
  attention_bias: true,
});
// Qwen3: per-head RMSNorm of q and k before RoPE; head_dim ≠ hidden / heads (12 and 6 vs 8), so the
// attention width (heads · head_dim = 48, 24) differs from hidden and o_proj is not square.
const qwen3 = parseDecoderConfig({
  model_type: 'qwen3',
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 12,
  intermediate_size: 48,
  vocab_size: 37,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: true,
});
const qwen3Bias = parseDecoderConfig({
  model_type: 'qwen3',
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 6,
  intermediate_size: 48,
  vocab_size: 37,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: false,
  attention_bias: true,
});
// Scaled RoPE (the uploaded cos/sin table comes from @rlvr/core's ropeCosSin): head_dim 8 so llama3
// keeps, blends and divides frequencies; YaRN multiplies cos/sin by 1.139.
const scaledShape = {
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 8,
  intermediate_size: 48,
  vocab_size: 37,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  max_position_embeddings: 64,
};
const llama3Scaled = parseDecoderConfig({
  ...scaledShape,
  model_type: 'llama',
  tie_word_embeddings: true,
  rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 },
});
const yarnScaled = parseDecoderConfig({ ...scaledShape, model_type: 'qwen2', rope_scaling: { rope_type: 'yarn', factor: 4 } });

// batch 2 × seq 6: row 0 left-padded by 2, row 1 full.
const BATCH = 2;
const SEQ = 6;
const MASK = Int32Array.of(0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
const TOKENS = Int32Array.of(0, 0, 5, 17, 36, 2, 9, 1, 30, 30, 12, 4);

/** Largest |gpu − ref| over positions with mask = 1, and max |ref| there. */
function worstError(gpu: Float32Array, ref: Float32Array, vocab: number): { err: number; scale: number } {
  let err = 0;
  let scale = 0;
  for (let t = 0; t < MASK.length; t++) {
    if (MASK[t] !== 1) continue;
    for (let j = t * vocab; j < (t + 1) * vocab; j++) {
      err = Math.max(err, Math.abs(gpu[j]! - ref[j]!));
      scale = Math.max(scale, Math.abs(ref[j]!));
    }
  }
  return { err, scale };
}

await describeGpu('GpuDecoderModel forward vs the CPU reference decoder', (gpu) => {
  it.each([
    ['qwen2 (q/k/v bias, untied head)', qwen2, 11],
    ['llama (tied embeddings)', llama, 12],
    ['qwen3 (tied, head_dim 12, q/k norm)', qwen3, 13],
    ['qwen3 (untied, head_dim 6, q/k/v + o_proj bias)', qwen3Bias, 14],
    ['llama (llama3 rope_scaling)', llama3Scaled, 15],
    ['qwen2 (yarn rope_scaling, cos/sin gain)', yarnScaled, 16],
  ] as const)('%s: logits match the reference at real tokens; second forward identical; weights round-trip', async (_name, config, seed) => {
    const weights = testWeights(config, seed);
    const ref = await CpuDecoderModel.f32(config, weights).forward(TOKENS, MASK, BATCH, SEQ);
    const model = GpuDecoderModel.create(gpu, config, weights);
    try {
      const logits = await model.forward(TOKENS, MASK, BATCH, SEQ);
      expect(logits.length).toBe(BATCH * SEQ * config.vocabSize);
      const { err, scale } = worstError(logits, ref, config.vocabSize);
      if (process.env.RLVR_TOL_LOG) process.stderr.write(`TOL gpu-decoder ${config.modelType}: worst ${(err / scale).toExponential(2)} of max|logit| ${scale.toFixed(3)}\n`);
      expect(scale).toBeGreaterThan(0.1);
      expect(err).toBeLessThanOrEqual(REL_TOL * scale);

      // Reused activation buffers: the same inputs give bit-identical logits.
      expect(await model.forward(TOKENS, MASK, BATCH, SEQ)).toEqual(logits);

      const back = await model.weights();
      expect(Object.keys(back).sort()).toEqual(Object.keys(weights).sort());
      for (const [name, t] of Object.entries(weights)) {
        expect(back[name]!.shape).toEqual(t.shape);
        expect(back[name]!.data).toEqual(t.data);
      }
    } finally {
      model.dispose();
    }
  });

  it('a new batch shape reallocates activations and still matches the reference', async () => {
    const weights = testWeights(qwen2, 5);
    const model = GpuDecoderModel.create(gpu, qwen2, weights);
    try {
      await model.forward(TOKENS, MASK, BATCH, SEQ);
      const tokens = Int32Array.of(3, 7, 11);
      const mask = Int32Array.of(1, 1, 1);
      const ref = await CpuDecoderModel.f32(qwen2, weights).forward(tokens, mask, 1, 3);
      const logits = await model.forward(tokens, mask, 1, 3);
      let err = 0;
      let scale = 0;
      for (let j = 0; j < ref.length; j++) {
        err = Math.max(err, Math.abs(logits[j]! - ref[j]!));
        scale = Math.max(scale, Math.abs(ref[j]!));
      }
      expect(err).toBeLessThanOrEqual(REL_TOL * scale);
    } finally {
      model.dispose();
    }
  });

  it('rejects bad weights and inputs with messages naming them; dispose releases and later calls throw', async () => {
    const weights = testWeights(llama, 3);
    const bad = { ...weights };
    delete bad['model.layers.1.mlp.up_proj.weight'];
    expect(() => GpuDecoderModel.create(gpu, llama, bad)).toThrow(/model\.layers\.1\.mlp\.up_proj\.weight: missing/);

    const model = GpuDecoderModel.create(gpu, llama, weights);
    await expect(model.forward(Int32Array.of(0, 37), Int32Array.of(1, 1), 1, 2)).rejects.toThrow(/tokens\[1\]: expected a token id in \[0, 37\)/);
    await expect(model.forward(Int32Array.of(0, 1), Int32Array.of(1, 2), 1, 2)).rejects.toThrow(/mask\[1\]: expected 0 or 1/);
    await model.forward(Int32Array.of(0, 1), Int32Array.of(1, 1), 1, 2);
    const embed = model.parameter('model.embed_tokens.weight');
    model.dispose();
    expect(model.disposed).toBe(true);
    expect(embed.disposed).toBe(true);
    await expect(model.forward(Int32Array.of(0, 1), Int32Array.of(1, 1), 1, 2)).rejects.toThrow(/forward: this DecoderModel \(webgpu\) has been disposed/);
    await expect(model.weights()).rejects.toThrow(/weights: this DecoderModel \(webgpu\) has been disposed/);
    model.dispose();
  });
});

/** Seeded dlogits [batch, seq, vocab], uniform in ±1, zero at padded positions (they must not learn). */
function seededDlogits(vocab: number, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  const out = new Float32Array(MASK.length * vocab);
  for (let t = 0; t < MASK.length; t++) {
    if (MASK[t] !== 1) continue;
    for (let j = 0; j < vocab; j++) out[t * vocab + j] = 2 * random.next() - 1;
  }
  return out;
}

/** Mean next-token cross-entropy over pairs whose both tokens are real, and its dloss/dlogits. */
function nextTokenLoss(logits: Float32Array, vocab: number): { loss: number; dlogits: Float32Array } {
  const dlogits = new Float32Array(logits.length);
  let loss = 0;
  let count = 0;
  for (let b = 0; b < BATCH; b++) {
    for (let s = 0; s + 1 < SEQ; s++) if (MASK[b * SEQ + s] === 1 && MASK[b * SEQ + s + 1] === 1) count++;
  }
  for (let b = 0; b < BATCH; b++) {
    for (let s = 0; s + 1 < SEQ; s++) {
      const t = b * SEQ + s;
      if (MASK[t] !== 1 || MASK[t + 1] !== 1) continue;
      const row = logits.subarray(t * vocab, (t + 1) * vocab);
      const max = Math.max(...row);
      let sum = 0;
      for (const z of row) sum += Math.exp(z - max);
      const lse = max + Math.log(sum);
      const target = TOKENS[t + 1]!;
      loss += (lse - row[target]!) / count;
      for (let j = 0; j < vocab; j++) dlogits[t * vocab + j] = (Math.exp(row[j]! - lse) - (j === target ? 1 : 0)) / count;
    }
  }
  return { loss, dlogits };
}

// Gradient tolerance: per tensor, max |gpu − ref| ≤ 3e-4 · max |ref grad| of that tensor.
// Budget: a gradient inherits the forward's activation error (≈ 1e-5 of scale, see REL_TOL) and adds
// the backward chain, about twice the forward's depth (per layer ~10 matmuls with reductions of length
// ≤ 48, or rows = 12 for dW and vocab 37 for the head's dx; RMSNorm and SwiGLU backwards; attention's
// dS = P·(dP − D)), each op a few u = 2⁻²⁴ apart between the GPU's f32 sums and the reference's f64
// sums rounded to f32 ⇒ ≈ 3e-5 of scale. Two backward steps subtract nearly equal terms (attention's
// dP − D, RMSNorm's w·dy − x·rstd²·mean(x·w·dy)), amplifying that by up to ~10 where they cancel:
// ≈ 3e-4. Scaling by the tensor's max |grad| rather than per element keeps near-zero entries (pure
// cancellation noise) from dominating. Measured on lavapipe: worst 1.7e-6 (qwen2), 9.5e-7 (llama),
// 1.7e-6 / 3.4e-6 (qwen3 tied / untied with biases), so ≥ 85× headroom. Real defects tried by hand land at 2e-1…5e-1: RoPE's backward run as forward
// 4.4e-1, the dk branch dropped from dn1 5.2e-1, the tied embedding's scatter overwriting the LM-head
// share instead of adding 2.4e-1.
const GRAD_REL_TOL = 3e-4;

await describeGpu('GpuDecoderModel backward vs the CPU reference decoder', (gpu) => {
  it.each([
    ['qwen2 (q/k/v bias, untied head)', qwen2, 21],
    ['llama (tied embeddings)', llama, 22],
    ['llama (tied, q/k/v + o_proj bias)', llamaBias, 23],
    ['qwen3 (tied, head_dim 12, q/k norm)', qwen3, 24],
    ['qwen3 (untied, head_dim 6, q/k/v + o_proj bias)', qwen3Bias, 25],
    ['llama (llama3 rope_scaling)', llama3Scaled, 26],
    ['qwen2 (yarn rope_scaling, cos/sin gain)', yarnScaled, 27],
  ] as const)('%s: every gradient matches the reference backward', async (_name, config, seed) => {
    const weights = testWeights(config, seed);
    const dlogits = seededDlogits(config.vocabSize, seed + 100);
    const cpu = CpuDecoderModel.f32(config, weights, referenceMatmul, { ops: 'reference' });
    await cpu.forward(TOKENS, MASK, BATCH, SEQ);
    const ref = await cpu.backward(dlogits.slice());
    const model = GpuDecoderModel.create(gpu, config, weights);
    try {
      await expect(model.backward(dlogits)).rejects.toThrow(/backward: no forward/);
      await model.forward(TOKENS, MASK, BATCH, SEQ);
      const grads = await model.backward(dlogits);
      expect(Object.keys(grads).sort()).toEqual(Object.keys(ref).sort());
      if (config.tieWordEmbeddings) expect(grads['lm_head.weight']).toBeUndefined();
      let worst = 0;
      const failures: string[] = [];
      for (const [name, r] of Object.entries(ref)) {
        const got = grads[name]!;
        expect(got.shape).toEqual(r.shape);
        let err = 0;
        let scale = 0;
        for (let i = 0; i < r.data.length; i++) {
          err = Math.max(err, Math.abs(got.data[i]! - r.data[i]!));
          scale = Math.max(scale, Math.abs(r.data[i]!));
        }
        expect(scale).toBeGreaterThan(0);
        const rel = err / scale;
        worst = Math.max(worst, rel);
        if (!(rel <= GRAD_REL_TOL)) failures.push(`${name}: worst |gpu − ref| ${err.toExponential(2)} = ${rel.toExponential(2)} of max|grad| ${scale.toExponential(2)}`);
      }
      expect(failures).toEqual([]);
      if (process.env.RLVR_TOL_LOG) process.stderr.write(`TOL gpu-decoder backward ${config.modelType}: worst ${worst.toExponential(2)} of max|grad|\n`);
      // A second backward of the same forward reuses every buffer and gives identical gradients.
      expect(await model.backward(dlogits)).toEqual(grads);
    } finally {
      model.dispose();
    }
  });
});

// AdamW tolerance: AdamwTolerance (src/adamw), the bound the AdamW kernel's own tests use, accumulated
// over the 4 steps from the reference's before/after parameters: per step 3u·|p| + (24 + 8s)·u·|update|.
await describeGpu('GpuDecoderModel AdamW step vs CpuDecoderModel.step', (gpu) => {
  // Tied qwen3 uses lr 5e-3: at 1e-2 its 4th step overshoots (loss 0.332 → 0.355, the CPU reference's
  // own steps as well as the GPU's), which says nothing about the kernels but fails the decrease check.
  it.each([
    ['qwen2 (untied)', qwen2, 31, 1e-2],
    ['llama (tied, o_proj bias)', llamaBias, 32, 1e-2],
    ['qwen3 (tied, q/k norm)', qwen3, 33, 5e-3],
    ['qwen3 (untied, all attention biases)', qwen3Bias, 34, 1e-2],
  ] as const)('%s: 4 GPU AdamW steps equal the reference step on the same gradients; next-token loss decreases', async (_name, config, seed, lr) => {
    const weights = testWeights(config, seed);
    const options = { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
    const cpu = CpuDecoderModel.f32(config, weights, referenceMatmul, { ops: 'reference' });
    const state = cpu.createAdamWState();
    const tols = new Map(
      parameterSpecs(config).map((s) => [
        s.name,
        new AdamwTolerance(
          s.shape.reduce((x, y) => x * y, 1),
          options.beta1,
        ),
      ]),
    );
    const model = GpuDecoderModel.create(gpu, config, weights);
    try {
      await expect(model.step(options)).rejects.toThrow(/step: no gradients/);
      const losses: number[] = [];
      for (let step = 0; step < 4; step++) {
        const { loss, dlogits } = nextTokenLoss(await model.forward(TOKENS, MASK, BATCH, SEQ), config.vocabSize);
        losses.push(loss);
        const grads = await model.backward(dlogits);
        // The reference steps from the GPU's gradients, so the comparison isolates AdamW (the
        // gradients themselves are checked above); its parameters drift from the GPU's by rounding only.
        const before = Object.fromEntries(Object.entries(cpu.weights()).map(([k, t]) => [k, t.data.slice()]));
        cpu.step(state, options, grads);
        await model.step(options);
        for (const s of parameterSpecs(config)) {
          const decays = s.kind === 'linear' || s.kind === 'embedding';
          tols.get(s.name)!.step(grads[s.name]!.data, before[s.name]!, cpu.weights()[s.name]!.data, decays ? 1 - options.lr * options.weightDecay : 1);
        }
      }
      expect(model.optimizerSteps).toBe(4);
      const got = await model.weights();
      for (const s of parameterSpecs(config)) {
        const tol = tols.get(s.name)!.current(state.v[s.name]!);
        assertClose(got[s.name]!.data, cpu.weights()[s.name]!.data, tol.p, `${s.name} after 4 AdamW steps`);
      }
      const { loss: final } = nextTokenLoss(await model.forward(TOKENS, MASK, BATCH, SEQ), config.vocabSize);
      losses.push(final);
      if (process.env.RLVR_TOL_LOG) process.stderr.write(`TOL gpu-decoder step ${config.modelType}: losses ${losses.map((l) => l.toFixed(4)).join(' → ')}\n`);
      for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
    } finally {
      model.dispose();
    }
  });
});
