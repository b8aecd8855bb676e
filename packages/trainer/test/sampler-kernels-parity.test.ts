/**
 * The mandatory link between the two implementations of the policy (DESIGN.md, "The policy model"):
 * the sampler's ONNX graph and @rlvr/kernels' CPU DecoderModel give the same logits for the same
 * weights and tokens, rope_scaling included (both read their angles from @rlvr/core's ropeCosSin; the
 * reference here is kernels' f64 model). It lives here because only the trainer may depend on both packages.
 */
import { initWeights, parseDecoderConfig, type DecoderConfig, type NamedTensors } from '@rlvr/core';
import { CpuDecoderModel } from '@rlvr/kernels';
import { CausalLm } from '@rlvr/sampler';

const configs: [string, DecoderConfig][] = [
  [
    'qwen2: GQA 4/2, q/k/v bias, untied head',
    parseDecoderConfig({
      model_type: 'qwen2',
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      intermediate_size: 48,
      vocab_size: 61,
      max_position_embeddings: 64,
      tie_word_embeddings: false,
      rope_theta: 1000000,
    }),
  ],
  [
    'llama: MHA, tied head, attention_bias (o_proj bias too), head_dim ≠ hidden/heads',
    parseDecoderConfig({
      model_type: 'llama',
      hidden_size: 24,
      num_hidden_layers: 3,
      num_attention_heads: 2,
      head_dim: 16,
      intermediate_size: 40,
      vocab_size: 53,
      max_position_embeddings: 64,
      tie_word_embeddings: true,
      attention_bias: true,
      rms_norm_eps: 1e-5,
    }),
  ],
  [
    'qwen3: per-head q/k RMSNorm, GQA 4/2, head_dim 12 ≠ hidden/heads, tied head',
    parseDecoderConfig({
      model_type: 'qwen3',
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 12,
      intermediate_size: 48,
      vocab_size: 61,
      max_position_embeddings: 64,
      tie_word_embeddings: true,
      rope_theta: 1000000,
    }),
  ],
  [
    'llama3 rope_scaling (Llama 3.1/3.2): head_dim 8 keeps, blends and divides frequencies, GQA 4/2, tied',
    parseDecoderConfig({
      model_type: 'llama',
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 8,
      intermediate_size: 48,
      vocab_size: 61,
      max_position_embeddings: 64,
      tie_word_embeddings: true,
      rope_theta: 10000,
      rms_norm_eps: 1e-5,
      rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 },
    }),
  ],
  [
    'yarn rope_scaling: cos/sin gain 1.139, q/k/v bias, untied',
    parseDecoderConfig({
      model_type: 'qwen2',
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 8,
      intermediate_size: 48,
      vocab_size: 61,
      max_position_embeddings: 64,
      rope_theta: 10000,
      rope_scaling: { type: 'yarn', factor: 4 },
    }),
  ],
];

/** Seeded weights with non-trivial norms and biases (HF init would make them 1 and 0, hiding mistakes). */
function weights(config: DecoderConfig): NamedTensors {
  const w = initWeights(config, 7, 0.2);
  let k = 0;
  for (const [name, t] of Object.entries(w)) {
    if (name.endsWith('bias') || name.includes('norm')) for (let i = 0; i < t.data.length; i++) t.data[i] = (name.includes('norm') ? 1 : 0) + 0.3 * Math.sin(++k);
  }
  return w;
}

// Required by DESIGN.md: |Δ| ≤ 1e-4 between the f32 ONNX graph and the kernels model (here its f64 reference).
const TOLERANCE = 1e-4;

describe.each(configs)('sampler ONNX graph vs @rlvr/kernels CpuDecoderModel (%s)', (_, config) => {
  it('gives the same logits on a left-padded batch', async () => {
    const w = weights(config);
    const batch = 2;
    const seq = 9;
    const tokens = [0, 0, 0, 4, 19, 33, 7, 50, 2, /* row 1 */ 11, 3, 42, 8, 8, 27, 1, 36, 15];
    const mask = [0, 0, 0, 1, 1, 1, 1, 1, 1, /* row 1 */ 1, 1, 1, 1, 1, 1, 1, 1, 1];
    const positions = [0, 0, 0, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 6, 7, 8];
    const reference = await CpuDecoderModel.f64(config, w).forward(Int32Array.from(tokens), Int32Array.from(mask), batch, seq);
    const lm = await CausalLm.fromWeights(config, w);
    const { logits } = await lm.step({
      batch,
      seq,
      inputIds: BigInt64Array.from(tokens, BigInt),
      attentionMask: BigInt64Array.from(mask, BigInt),
      positionIds: BigInt64Array.from(positions, BigInt),
      past: null,
    });
    await lm.release();
    const v = config.vocabSize;
    let worst = 0;
    let compared = 0;
    for (let t = 0; t < batch * seq; t++) {
      if (mask[t] === 0) continue; // padding positions' logits are unspecified in both
      for (let j = 0; j < v; j++) worst = Math.max(worst, Math.abs(logits[t * v + j]! - reference[t * v + j]!));
      compared += v;
    }
    expect(compared).toBe(15 * v);
    expect(worst).toBeLessThan(TOLERANCE);
    if (config.ropeScaling !== null) {
      // The scaling moves the logits far more than the tolerance, so an engine ignoring it would fail.
      const plain = await CpuDecoderModel.f64({ ...config, ropeScaling: null }, w).forward(Int32Array.from(tokens), Int32Array.from(mask), batch, seq);
      let moved = 0;
      for (let t = 0; t < batch * seq; t++) {
        if (mask[t] === 0) continue;
        for (let j = 0; j < v; j++) moved = Math.max(moved, Math.abs(plain[t * v + j]! - reference[t * v + j]!));
      }
      expect(moved).toBeGreaterThan(100 * TOLERANCE);
    }
  });
});
