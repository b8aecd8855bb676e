import { CpuDecoderModel } from '../decoder/model.js';
import { describeGpu } from '../device/describe-gpu.js';
import { wgslStructFields } from '../gpu/uniforms.js';
import { parameterSpecs, parseDecoderConfig, type DecoderConfig } from '../model/config.js';
import type { NamedTensors } from '../model/safetensors.js';
import { SeededRandom } from '../random.js';
import { BIAS_ADD_PARAMS, BIAS_ADD_WGSL, GpuDecoderModel } from './index.js';

// Tolerance: |gpu − ref| ≤ 1e-4 · max|ref logit| over real (mask = 1) positions.
// Budget: each layer is ~40 f32-rounded ops deep on the path to a logit (RMSNorm's sum of squares and
// rsqrt, 5 Linear dot products of length ≤ 48 plus biases, RoPE's 2 products + add, the attention
// score dot, exp, sum and weighted average, SwiGLU's exp/div/mul, 2 residual adds); both sides round
// every op to f32 but in a different order (the GPU's matmul sums in vec4 lanes, its exp/inverseSqrt
// are a few ulp, not correctly rounded), so per op they differ by up to ~k·u with u = 2⁻²⁴ ≈ 6e-8 and
// k ≤ 48 the reduction length. Summed over 2 layers + head: ≈ (2·40 + 48) · a few u ≈ 1e-5 of the
// activations' scale, amplified by at most a small factor (weights ~1/√in keep the network near
// unit gain), so 1e-4 leaves ~10× headroom over that bound (measured on lavapipe: ≤ 3.7e-7). Real
// defects tried by hand moved logits by 1e-1…1e0 of their scale (dropped q/k/v bias 1.4e-1, no RoPE
// 5e-1, lm_head ignored 4.9). Not observable here, by design: a constant shift of a row's positions
// (RoPE scores depend only on position differences), so left padding is checked through its mask.
const REL_TOL = 1e-4;

const qwen2 = parseDecoderConfig({
  model_type: 'qwen2', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 48, vocab_size: 37, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: false,
});
const llama = parseDecoderConfig({
  model_type: 'llama', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 48, vocab_size: 37, rms_norm_eps: 1e-5, rope_theta: 10000, tie_word_embeddings: true,
});

/**
 * Weights that make every op matter (initWeights' 0.02 std gives near-uniform attention and zero
 * biases): matrices uniform with std ≈ 1/√in, biases ±0.1, norm gains 1 ± 0.25.
 */
function testWeights(config: DecoderConfig, seed: number): NamedTensors {
  const random = new SeededRandom(seed);
  const out: NamedTensors = {};
  for (const s of parameterSpecs(config)) {
    const n = s.shape.reduce((x, y) => x * y, 1);
    const data = new Float32Array(n);
    const u = (): number => 2 * random.next() - 1;
    for (let i = 0; i < n; i++) {
      if (s.kind === 'norm') data[i] = 1 + 0.25 * u();
      else if (s.kind === 'bias') data[i] = 0.1 * u();
      else if (s.kind === 'embedding') data[i] = u();
      else data[i] = (Math.sqrt(3) / Math.sqrt(s.shape[1]!)) * u();
    }
    out[s.name] = { shape: [...s.shape], data };
  }
  return out;
}

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
  it('bias kernel: uniform field list matches the WGSL struct', () => {
    expect(wgslStructFields(BIAS_ADD_WGSL, 'Params')).toEqual([...BIAS_ADD_PARAMS]);
  });

  it.each([['qwen2 (q/k/v bias, untied head)', qwen2, 11], ['llama (tied embeddings)', llama, 12]] as const)(
    '%s: logits match the reference at real tokens; second forward identical; weights round-trip',
    async (_name, config, seed) => {
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
    },
  );

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
    await expect(model.forward(Int32Array.of(0, 1), Int32Array.of(1, 1), 1, 2)).rejects.toThrow(/forward: this GpuDecoderModel has been disposed/);
    await expect(model.weights()).rejects.toThrow(/weights: this GpuDecoderModel has been disposed/);
    model.dispose();
  });
});
