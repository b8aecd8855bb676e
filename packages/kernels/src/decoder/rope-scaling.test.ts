/**
 * rope_scaling through the whole CPU model: on a Llama 3-scaled, a YaRN-scaled (cos/sin gain ≠ 1) and
 * a Qwen3 tiny config, the f64 reference model's gradients of q_proj/k_proj (the weights RoPE acts
 * through) match central differences, and the f32 cpu chain on ONNX Runtime matches the f64 reference
 * in logits and every gradient. The angles come from @rlvr/core's ropeCosSin, whose formulas
 * rope-frequencies.test.ts checks against hand-computed values.
 */
import { type DecoderConfig, SeededRandom, parseDecoderConfig } from '@rlvr/core';
import { PADDED_BATCH, livelyWeights, maxAbs, maxDiff } from '../testing/decoder-fixtures.js';
import { OrtMatmul } from '../ort/ort-matmul.js';
import { dot, projection } from '../reference/finite-difference.js';
import { CpuDecoderModel } from './model.js';
import { ortMatmulEngine } from './matmul-engine.js';

/**
 * head_dim 8, θ = 1e4: inverse frequencies 1, 0.1, 0.01, 0.001 (wavelengths 6.3, 63, 628, 6283). With
 * original_max_position_embeddings 64 the llama3 config keeps the first, blends the second and divides
 * the last two; YaRN over max_position_embeddings 64 keeps, half-interpolates, interpolates, interpolates.
 */
const SHAPE = {
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  head_dim: 8,
  intermediate_size: 24,
  vocab_size: 11,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  max_position_embeddings: 64,
};

const CONFIGS: [string, Record<string, unknown>][] = [
  [
    'llama3-scaled Llama (GQA, tied)',
    { ...SHAPE, model_type: 'llama', tie_word_embeddings: true, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 } },
  ],
  ['yarn-scaled Qwen2 (gain 1.139, untied)', { ...SHAPE, model_type: 'qwen2', rope_scaling: { type: 'yarn', factor: 4 } }],
  ['Qwen3 (q/k norm, θ 1e6, tied)', { ...SHAPE, model_type: 'qwen3', rope_theta: 1e6, tie_word_embeddings: true }],
];

const { batch: B, seq: S, tokens: TOKENS, mask: MASK } = PADDED_BATCH;

describe.each(CONFIGS)('RoPE through the CPU model: %s', (_, json) => {
  const c: DecoderConfig = parseDecoderConfig(json);
  const w = livelyWeights(c, 808);

  if (c.ropeScaling !== null) {
    it('the scaling changes the logits (so the comparisons below see it)', async () => {
      const plain = parseDecoderConfig({ ...json, rope_scaling: null });
      const scaled = await CpuDecoderModel.f64(c, w).forward(TOKENS, MASK, B, S);
      const unscaled = await CpuDecoderModel.f64(plain, w).forward(TOKENS, MASK, B, S);
      expect(maxDiff(scaled, unscaled)).toBeGreaterThan(1e-3 * maxAbs(scaled));
    });
  }

  it('f64 reference: q_proj and k_proj gradients match central differences', async () => {
    const model = CpuDecoderModel.f64(c, w);
    const logits = await model.forward(TOKENS, MASK, B, S);
    const proj = Float64Array.from(projection(12, logits.length));
    const grads = structuredClone(await model.backward(proj));
    const rng = new SeededRandom(13);
    let checked = 0;
    for (const name of ['model.layers.0.self_attn.q_proj.weight', 'model.layers.1.self_attn.k_proj.weight']) {
      const t = model.weights()[name]!;
      const g = grads[name]!.data;
      expect(maxAbs(g)).toBeGreaterThan(1e-3);
      for (let n = 0; n < 6; n++) {
        const i = Math.floor(rng.next() * t.data.length);
        const x = t.data[i]!;
        const h = 1e-5 * Math.max(1, Math.abs(x));
        t.data[i] = x + h;
        const up = dot(proj, await model.forward(TOKENS, MASK, B, S));
        t.data[i] = x - h;
        const down = dot(proj, await model.forward(TOKENS, MASK, B, S));
        t.data[i] = x;
        const fd = (up - down) / (2 * h);
        // The f64 budget of decoder.test.ts's whole-model check: FD is good to ~1e-9 here.
        expect({ name, i, ok: Math.abs(g[i]! - fd) <= 1e-7 + 1e-6 * Math.abs(fd) }).toEqual({ name, i, ok: true });
        checked++;
      }
    }
    expect(checked).toBe(12);
  });

  it('f32 cpu chain on ONNX Runtime: logits and every gradient match the f64 reference', async () => {
    const ort = new OrtMatmul({ threads: 1 });
    try {
      const fast = CpuDecoderModel.f32(c, w, ortMatmulEngine(ort));
      expect(fast.ops).toBe('fast');
      const exact = CpuDecoderModel.f64(c, w);
      const le = await exact.forward(TOKENS, MASK, B, S);
      const lf = await fast.forward(TOKENS, MASK, B, S);
      // decoder.test.ts's f32-vs-f64 budget: 1e-4 × the tensor's scale.
      expect(maxDiff(lf, le)).toBeLessThan(1e-4 * maxAbs(le));
      const proj = projection(5, le.length);
      const ge = await exact.backward(Float64Array.from(proj));
      const gf = await fast.backward(Float32Array.from(proj));
      expect(Object.keys(gf).sort()).toEqual(Object.keys(ge).sort());
      for (const name of Object.keys(ge)) {
        const scale = maxAbs(ge[name]!.data);
        expect({ name, ok: maxDiff(gf[name]!.data, ge[name]!.data) < 1e-4 * scale }).toEqual({ name, ok: true });
      }
    } finally {
      await ort.dispose();
    }
  });
});
