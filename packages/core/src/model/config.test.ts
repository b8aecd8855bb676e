import { ConfigError, ModelWeightsError, decoderConfigToJson, initWeights, parameterCount, parameterSpecs, parseDecoderConfig, validateWeights, type DecoderConfig } from './config.js';
import type { NamedTensors } from './safetensors.js';
import { SeededRandom } from '../random.js';

const tinyLlama = {
  model_type: 'llama',
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 128,
  vocab_size: 100,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: true,
  max_position_embeddings: 256,
  some_unknown_key: { ignored: true },
};
// Shaped like Qwen2.5-0.5B's config.json (no attention_bias key), scaled down.
const tinyQwen2 = {
  architectures: ['Qwen2ForCausalLM'],
  model_type: 'qwen2',
  hidden_size: 56,
  num_hidden_layers: 3,
  num_attention_heads: 7,
  num_key_value_heads: 1,
  intermediate_size: 96,
  vocab_size: 151,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000,
  tie_word_embeddings: false,
  max_position_embeddings: 512,
  hidden_act: 'silu',
  rope_scaling: null,
  use_sliding_window: false,
  sliding_window: 512,
  torch_dtype: 'bfloat16',
};

// Shaped like Qwen3-0.6B's config.json (head_dim 128 ≠ hidden / heads), scaled down.
const tinyQwen3 = {
  architectures: ['Qwen3ForCausalLM'],
  model_type: 'qwen3',
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 16,
  intermediate_size: 48,
  vocab_size: 61,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000,
  tie_word_embeddings: true,
  max_position_embeddings: 128,
  attention_bias: false,
  hidden_act: 'silu',
  rope_scaling: null,
  use_sliding_window: false,
  sliding_window: null,
};

function configError(json: unknown): ConfigError {
  try {
    parseDecoderConfig(json);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseDecoderConfig', () => {
  it('parses a Llama-like config, derives head_dim, ignores unknown keys', () => {
    const c = parseDecoderConfig(tinyLlama);
    expect(c).toEqual({
      modelType: 'llama',
      hiddenSize: 64,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      headDim: 16,
      intermediateSize: 128,
      vocabSize: 100,
      rmsNormEps: 1e-5,
      ropeTheta: 10000,
      ropeScaling: null,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 256,
      attentionBias: false,
      oProjBias: false,
      qkNorm: false,
    });
  });

  it('recognises Qwen2 by model_type: q/k/v bias without an attention_bias key, no o_proj bias', () => {
    const c = parseDecoderConfig(tinyQwen2);
    expect(c.attentionBias).toBe(true);
    expect(c.oProjBias).toBe(false);
    expect(c.headDim).toBe(8);
  });

  it('recognises Qwen3: per-head q/k norms, attention_bias on all four projections, head_dim default 128', () => {
    const c = parseDecoderConfig(tinyQwen3);
    expect(c).toMatchObject({ modelType: 'qwen3', qkNorm: true, headDim: 16, attentionBias: false, oProjBias: false });
    expect(parseDecoderConfig({ ...tinyQwen3, attention_bias: true })).toMatchObject({ attentionBias: true, oProjBias: true });
    const noHeadDim: Record<string, unknown> = { ...tinyQwen3 };
    delete noHeadDim.head_dim;
    expect(parseDecoderConfig(noHeadDim).headDim).toBe(128);
    expect(parseDecoderConfig(tinyQwen2).qkNorm).toBe(false);
  });

  it('applies defaults: kv heads = heads, Hugging Face eps/theta/tie, model_type llama', () => {
    const c = parseDecoderConfig({ hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, vocab_size: 10 });
    expect(c).toMatchObject({ modelType: 'llama', numKeyValueHeads: 2, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false, maxPositionEmbeddings: 2048 });
  });

  it('round-trips through decoderConfigToJson', () => {
    for (const json of [tinyLlama, tinyQwen2, tinyQwen3]) {
      const c = parseDecoderConfig(json);
      expect(parseDecoderConfig(decoderConfigToJson(c))).toEqual(c);
    }
  });

  it.each([
    ['hidden_size', { hidden_size: '64' }, /hidden_size = "64" is invalid; allowed: a positive integer/],
    ['hidden_size', { hidden_size: undefined }, /hidden_size = undefined/],
    ['num_hidden_layers', { num_hidden_layers: 0 }, /num_hidden_layers = 0 .*positive integer/],
    ['intermediate_size', { intermediate_size: 12.5 }, /intermediate_size = 12.5/],
    ['vocab_size', { vocab_size: -3 }, /vocab_size = -3/],
    ['num_attention_heads', { num_attention_heads: 5, num_key_value_heads: 5 }, /num_attention_heads = 5 .*divisor of hidden_size \(64\)/],
    ['num_key_value_heads', { num_key_value_heads: 3 }, /num_key_value_heads = 3 .*divisor of num_attention_heads \(4\)/],
    ['rms_norm_eps', { rms_norm_eps: 0 }, /rms_norm_eps = 0 .*> 0/],
    ['rope_theta', { rope_theta: 'big' }, /rope_theta = "big"/],
    ['tie_word_embeddings', { tie_word_embeddings: 'yes' }, /tie_word_embeddings = "yes" .*true or false/],
    ['model_type', { model_type: 'gpt2' }, /model_type = "gpt2" .*"llama", "qwen2" or "qwen3"/],
    ['rope_scaling.factor', { rope_scaling: { type: 'llama3' } }, /rope_scaling.factor = undefined/],
    ['rope_scaling.rope_type', { rope_scaling: { rope_type: 'longrope', short_factor: [1], long_factor: [1] } }, /rope_scaling.rope_type = "longrope" .*"llama3" or "yarn"/],
    ['mlp_bias', { mlp_bias: true }, /mlp_bias = true/],
    ['hidden_act', { hidden_act: 'gelu' }, /hidden_act = "gelu"/],
    ['head_dim', { head_dim: 7 }, /head_dim = 7 .*even head_dim/],
    ['attention_bias', { attention_bias: 1 }, /attention_bias = 1 .*true or false/],
  ])('rejects a bad %s with a message naming key and value', (key, patch, pattern) => {
    const err = configError({ ...tinyLlama, ...patch });
    expect(err.key).toBe(key);
    expect(err.message).toMatch(pattern);
  });

  it('rejects attention_bias: false on Qwen2 and a non-object root', () => {
    expect(configError({ ...tinyQwen2, attention_bias: false }).message).toMatch(/attention_bias = false .*qwen2/);
    expect(configError([1]).key).toBe('(root)');
  });

  it('accepts an explicit head_dim that differs from hidden_size / heads', () => {
    const c = parseDecoderConfig({ ...tinyLlama, head_dim: 32 });
    expect(c.headDim).toBe(32);
    expect(parameterSpecs(c).find((s) => s.name === 'model.layers.0.self_attn.q_proj.weight')!.shape).toEqual([128, 64]);
    expect(parameterSpecs(c).find((s) => s.name === 'model.layers.0.self_attn.o_proj.weight')!.shape).toEqual([64, 128]);
  });
});

describe('parameterSpecs', () => {
  it('Llama-like, tied: Hugging Face names and [out, in] shapes, no lm_head', () => {
    const specs = parameterSpecs(parseDecoderConfig(tinyLlama));
    expect(specs).toHaveLength(1 + 2 * 9 + 1);
    const byName = Object.fromEntries(specs.map((s) => [s.name, s.shape]));
    expect(byName).toEqual({
      'model.embed_tokens.weight': [100, 64],
      ...Object.fromEntries(
        [0, 1].flatMap((i) => [
          [`model.layers.${i}.input_layernorm.weight`, [64]],
          [`model.layers.${i}.self_attn.q_proj.weight`, [64, 64]],
          [`model.layers.${i}.self_attn.k_proj.weight`, [32, 64]],
          [`model.layers.${i}.self_attn.v_proj.weight`, [32, 64]],
          [`model.layers.${i}.self_attn.o_proj.weight`, [64, 64]],
          [`model.layers.${i}.post_attention_layernorm.weight`, [64]],
          [`model.layers.${i}.mlp.gate_proj.weight`, [128, 64]],
          [`model.layers.${i}.mlp.up_proj.weight`, [128, 64]],
          [`model.layers.${i}.mlp.down_proj.weight`, [64, 128]],
        ]),
      ),
      'model.norm.weight': [64],
    });
    expect(parameterCount(parseDecoderConfig(tinyLlama))).toBe(100 * 64 + 2 * (64 + 64 * 64 + 2 * 32 * 64 + 64 * 64 + 64 + 3 * 128 * 64) + 64);
  });

  it('Qwen3-like: q_norm and k_norm of [head_dim] in every block, q/o shapes from head_dim', () => {
    const specs = parameterSpecs(parseDecoderConfig(tinyQwen3));
    expect(specs).toHaveLength(1 + 2 * 11 + 1);
    const byName = Object.fromEntries(specs.map((s) => [s.name, s]));
    expect(byName['model.layers.1.self_attn.q_norm.weight']).toEqual({ name: 'model.layers.1.self_attn.q_norm.weight', shape: [16], kind: 'norm' });
    expect(byName['model.layers.1.self_attn.k_norm.weight']!.shape).toEqual([16]);
    expect(byName['model.layers.0.self_attn.q_proj.weight']!.shape).toEqual([64, 32]);
    expect(byName['model.layers.0.self_attn.o_proj.weight']!.shape).toEqual([32, 64]);
  });

  it('Qwen2-like, untied: q/k/v biases and lm_head', () => {
    const specs = parameterSpecs(parseDecoderConfig(tinyQwen2));
    expect(specs).toHaveLength(1 + 3 * 12 + 2);
    const byName = Object.fromEntries(specs.map((s) => [s.name, s.shape]));
    expect(byName['model.layers.2.self_attn.q_proj.bias']).toEqual([56]);
    expect(byName['model.layers.2.self_attn.k_proj.bias']).toEqual([8]);
    expect(byName['model.layers.2.self_attn.v_proj.weight']).toEqual([8, 56]);
    expect(byName['model.layers.0.self_attn.o_proj.bias']).toBeUndefined();
    expect(byName['lm_head.weight']).toEqual([151, 56]);
    expect(specs.at(-1)!.name).toBe('lm_head.weight');
  });

  it('Llama with attention_bias: bias on q, k, v and o_proj (as LlamaAttention does)', () => {
    const names = parameterSpecs(parseDecoderConfig({ ...tinyLlama, attention_bias: true })).map((s) => s.name);
    for (const p of ['q', 'k', 'v', 'o']) expect(names).toContain(`model.layers.1.self_attn.${p}_proj.bias`);
  });
});

describe('validateWeights and initWeights', () => {
  const config: DecoderConfig = parseDecoderConfig(tinyQwen2);

  it('initWeights is seeded, valid, N(0, 0.02²) for matrices, 1 for norms, 0 for biases', () => {
    const w = initWeights(config, 7);
    validateWeights(config, w);
    expect(initWeights(config, 7)['lm_head.weight']!.data).toEqual(w['lm_head.weight']!.data);
    expect(initWeights(config, 8)['lm_head.weight']!.data).not.toEqual(w['lm_head.weight']!.data);
    expect(Array.from(w['model.norm.weight']!.data).every((x) => x === 1)).toBe(true);
    expect(Array.from(w['model.layers.0.self_attn.q_proj.bias']!.data).every((x) => x === 0)).toBe(true);
    const e = w['model.embed_tokens.weight']!.data;
    const mean = e.reduce((a, b) => a + b, 0) / e.length;
    const std = Math.sqrt(e.reduce((a, b) => a + (b - mean) ** 2, 0) / e.length);
    // 8,456 samples: the sample std is within ~1.5% of 0.02 with overwhelming probability; 5% is safe.
    expect(Math.abs(std - 0.02)).toBeLessThan(0.001);
    expect(Math.abs(mean)).toBeLessThan(0.001);
  });

  it('SeededRandom is uniform in [0, 1) and reproducible', () => {
    const a = new SeededRandom(1);
    const b = new SeededRandom(1);
    for (let i = 0; i < 1000; i++) {
      const x = a.next();
      expect(x).toBe(b.next());
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  it('lists every problem in one error, naming each tensor', () => {
    const w: NamedTensors = initWeights(config, 1);
    delete w['model.layers.1.mlp.up_proj.weight'];
    w['model.layers.0.self_attn.k_proj.weight'] = { shape: [56, 56], data: new Float32Array(56 * 56) };
    w['model.layers.2.input_layernorm.weight']!.data[3] = NaN;
    w['model.layers.0.self_attn.o_proj.bias'] = { shape: [56], data: new Float32Array(56) };
    w['model.norm.weight'] = { shape: [56], data: new Float32Array(55) };
    let err: ModelWeightsError | undefined;
    try {
      validateWeights(config, w);
    } catch (e) {
      err = e as ModelWeightsError;
    }
    expect(err).toBeInstanceOf(ModelWeightsError);
    expect(err!.issues.map((i) => [i.tensor, i.problem])).toEqual([
      ['model.layers.0.self_attn.k_proj.weight', 'shape'],
      ['model.layers.1.mlp.up_proj.weight', 'missing'],
      ['model.layers.2.input_layernorm.weight', 'non-finite'],
      ['model.norm.weight', 'data-length'],
      ['model.layers.0.self_attn.o_proj.bias', 'unexpected'],
    ]);
    expect(err!.message).toContain('model.layers.0.self_attn.k_proj.weight: shape [56, 56], expected [8, 56]');
    expect(err!.message).toContain('model.layers.1.mlp.up_proj.weight: missing (expected shape [96, 56])');
    expect(err!.message).toContain('model.layers.2.input_layernorm.weight: 1 non-finite value(s), first at flat index 3');
    expect(err!.message).toMatch(/5 problems/);
  });

  it('tied models: a duplicate lm_head equal to the embedding is accepted, a different one is not', () => {
    const tied = parseDecoderConfig(tinyLlama);
    const w = initWeights(tied, 3);
    const emb = w['model.embed_tokens.weight']!;
    validateWeights(tied, { ...w, 'lm_head.weight': { shape: [...emb.shape], data: emb.data.slice() } });
    const other = emb.data.slice();
    other[0] = 1;
    expect(() => validateWeights(tied, { ...w, 'lm_head.weight': { shape: [...emb.shape], data: other } })).toThrow(/lm_head\.weight: unexpected/);
  });

  it('valuesChecked skips only the value scan of the named tensors: their shapes and lengths, and every other tensor, are still checked', () => {
    const w: NamedTensors = initWeights(config, 2);
    const norm = 'model.layers.2.input_layernorm.weight';
    w[norm]!.data[3] = NaN;
    expect(() => validateWeights(config, w)).toThrow(/input_layernorm\.weight: 1 non-finite/);
    validateWeights(config, w, { valuesChecked: new Set([norm]) });
    const issues = (named: NamedTensors): string[] => {
      try {
        validateWeights(config, named, { valuesChecked: new Set([norm, 'model.norm.weight']) });
        return [];
      } catch (e) {
        return (e as ModelWeightsError).issues.map((i) => `${i.tensor} ${i.problem}`);
      }
    };
    w['model.norm.weight'] = { shape: [55], data: new Float32Array(55) };
    w['model.layers.0.mlp.up_proj.weight']!.data[0] = Infinity;
    expect(issues(w)).toEqual(['model.layers.0.mlp.up_proj.weight non-finite', 'model.norm.weight shape']);
  });
});
