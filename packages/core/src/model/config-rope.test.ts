/**
 * `rope_scaling` in config.json: each variant transformers defines that the engines implement parses
 * (both spellings of the variant key, transformers 5's `rope_parameters`), round-trips through
 * decoderConfigToJson, and everything else is a ConfigError naming the key and the value.
 */
import { ConfigError, decoderConfigToJson, parseDecoderConfig } from './config.js';

const base = {
  model_type: 'llama',
  hidden_size: 32,
  num_hidden_layers: 1,
  num_attention_heads: 4,
  intermediate_size: 48,
  vocab_size: 50,
  max_position_embeddings: 256,
  rope_theta: 10000,
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

const llama3 = { rope_type: 'llama3', factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 64 };

describe('rope_scaling', () => {
  it.each([
    ['llama3', llama3, { ropeType: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 }],
    ['linear', { type: 'linear', factor: 2 }, { ropeType: 'linear', factor: 2 }],
    ['dynamic', { rope_type: 'dynamic', factor: 2 }, { ropeType: 'dynamic', factor: 2 }],
    ['yarn', { rope_type: 'yarn', factor: 4, beta_fast: 32, beta_slow: 1 }, { ropeType: 'yarn', factor: 4, betaFast: 32, betaSlow: 1 }],
    [
      'yarn with original_max_position_embeddings = max / factor, mscale and truncate',
      { type: 'yarn', factor: 4, original_max_position_embeddings: 64, mscale: 1, mscale_all_dim: 1, truncate: false },
      { ropeType: 'yarn', factor: 4, originalMaxPositionEmbeddings: 64, mscale: 1, mscaleAllDim: 1, truncate: false },
    ],
  ])('parses %s and writes it back as rope_scaling', (_, rope_scaling, expected) => {
    const c = parseDecoderConfig({ ...base, rope_scaling });
    expect(c.ropeScaling).toEqual(expected);
    const json = decoderConfigToJson(c);
    expect((json.rope_scaling as Record<string, unknown>).rope_type).toBe(expected.ropeType);
    expect(parseDecoderConfig(json)).toEqual(c);
  });

  it('reads null, absent and rope_type "default" as plain RoPE, and writes rope_scaling: null back', () => {
    expect(parseDecoderConfig(base).ropeScaling).toBeNull();
    expect(parseDecoderConfig({ ...base, rope_scaling: null }).ropeScaling).toBeNull();
    expect(parseDecoderConfig({ ...base, rope_scaling: { rope_type: 'default' } }).ropeScaling).toBeNull();
    expect(decoderConfigToJson(parseDecoderConfig(base)).rope_scaling).toBeNull();
  });

  it("reads transformers 5's rope_parameters (theta and scaling in one object)", () => {
    const c = parseDecoderConfig({ ...base, rope_theta: undefined, rope_parameters: { rope_theta: 500000, ...llama3 } });
    expect(c.ropeTheta).toBe(500000);
    expect(c.ropeScaling).toMatchObject({ ropeType: 'llama3', factor: 8 });
    expect(parseDecoderConfig({ ...base, rope_theta: undefined, rope_parameters: { rope_theta: 1e6, rope_type: 'default' } })).toMatchObject({ ropeTheta: 1e6, ropeScaling: null });
    expect(configError({ ...base, rope_theta: 10000, rope_parameters: { rope_theta: 500000, rope_type: 'default' } }).key).toBe('rope_theta');
    expect(configError({ ...base, rope_parameters: { rope_theta: 10000, rope_type: 'longrope' } }).message).toMatch(/rope_parameters.rope_type = "longrope"/);
    // Both spellings (a checkpoint written by decoderConfigToJson over the source's keys): equal is fine.
    const both = { ...base, rope_parameters: { rope_theta: 10000, ...llama3 } };
    const fromBoth = parseDecoderConfig(both);
    expect(parseDecoderConfig({ ...both, ...decoderConfigToJson(fromBoth) })).toEqual(fromBoth);
    expect(configError({ ...both, rope_scaling: { ...llama3, factor: 4 } }).message).toMatch(/rope_scaling = .*same scaling as rope_parameters/);
  });

  it.each([
    ['rope_scaling.rope_type', { rope_type: 'longrope', short_factor: [1], long_factor: [1] }, /"longrope"/],
    ['rope_scaling.type', { type: 'mrope', mrope_section: [2, 2] }, /rope_scaling.type = "mrope"/],
    ['rope_scaling.rope_type', { factor: 2 }, /rope_scaling.rope_type = undefined/],
    ['rope_scaling.type', { rope_type: 'linear', type: 'dynamic', factor: 2 }, /rope_scaling.type = "dynamic" .*equal to rope_type \(linear\)/],
    ['rope_scaling.short_factor', { ...llama3, short_factor: [1] }, /rope_scaling.short_factor = \[1\] .*absent for rope_type "llama3"/],
    ['rope_scaling.factor', { rope_type: 'linear', factor: 0.5 }, /rope_scaling.factor = 0.5 .*≥ 1/],
    ['rope_scaling.factor', { rope_type: 'linear', factor: '2' }, /rope_scaling.factor = "2"/],
    ['rope_scaling.high_freq_factor', { ...llama3, high_freq_factor: 1 }, /high_freq_factor = 1 .*> low_freq_factor \(1\)/],
    ['rope_scaling.original_max_position_embeddings', { ...llama3, original_max_position_embeddings: undefined }, /required by llama3/],
    ['rope_scaling.original_max_position_embeddings', { ...llama3, original_max_position_embeddings: 8192.5 }, /8192.5 .*positive integer/],
    ['rope_scaling.beta_fast', { rope_type: 'yarn', factor: 4, beta_fast: 0.5 }, /beta_fast = 0.5 .*≥ beta_slow \(1\)/],
    ['rope_scaling.factor', { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32 }, /factor = 4 .*\(256 \/ 32 = 8\)/],
    ['rope_scaling.truncate', { rope_type: 'yarn', factor: 4, truncate: 'no' }, /truncate = "no"/],
    ['rope_scaling', 'llama3', /rope_scaling = "llama3"/],
  ])('rejects %s naming key and value', (key, rope_scaling, pattern) => {
    const err = configError({ ...base, rope_scaling });
    expect(err.key).toBe(key);
    expect(err.message).toMatch(pattern);
  });
});

describe('RoPE and attention keys of current checkpoints', () => {
  it('pretraining_tp must be 1, rope_interleaved and use_mrope false, partial_rotary_factor 1', () => {
    expect(parseDecoderConfig({ ...base, pretraining_tp: 1, rope_interleaved: false, use_mrope: false, partial_rotary_factor: 1 }).ropeTheta).toBe(10000);
    expect(configError({ ...base, pretraining_tp: 2 }).message).toMatch(/pretraining_tp = 2/);
    expect(configError({ ...base, rope_interleaved: true }).key).toBe('rope_interleaved');
    expect(configError({ ...base, use_mrope: true }).key).toBe('use_mrope');
    expect(configError({ ...base, partial_rotary_factor: 0.5 }).key).toBe('partial_rotary_factor');
  });

  it('accepts a sliding window that is off, applies to no layer, or covers max_position_embeddings', () => {
    const qwen = { ...base, model_type: 'qwen2', num_hidden_layers: 4 };
    expect(() => parseDecoderConfig({ ...qwen, use_sliding_window: false, sliding_window: 16, max_window_layers: 2 })).not.toThrow();
    expect(() => parseDecoderConfig({ ...qwen, use_sliding_window: true, sliding_window: 16, max_window_layers: 4 })).not.toThrow();
    expect(() => parseDecoderConfig({ ...qwen, use_sliding_window: true, sliding_window: 256, max_window_layers: 0 })).not.toThrow();
    expect(() => parseDecoderConfig({ ...base, sliding_window: null })).not.toThrow();
    expect(() => parseDecoderConfig({ ...base, layer_types: ['full_attention'], sliding_window: 8 })).not.toThrow();
  });

  it('rejects a sliding window narrower than max_position_embeddings, naming sliding_window and its value', () => {
    const qwen = { ...base, model_type: 'qwen2', num_hidden_layers: 4 };
    const err = configError({ ...qwen, use_sliding_window: true, sliding_window: 128, max_window_layers: 1 });
    expect(err.key).toBe('sliding_window');
    expect(err.message).toMatch(/sliding_window = 128 .*max_position_embeddings \(256\) .*3 layer/);
    // Mistral style: a number on a Llama config means every layer slides.
    expect(configError({ ...base, sliding_window: 100 }).message).toMatch(/sliding_window = 100 .*for 1 layer/);
    expect(configError({ ...base, layer_types: ['sliding_attention'], sliding_window: 8 }).key).toBe('sliding_window');
    expect(configError({ ...base, layer_types: ['full_attention', 'full_attention'] }).key).toBe('layer_types');
    expect(configError({ ...qwen, use_sliding_window: true, sliding_window: null, max_window_layers: 0 }).message).toMatch(/sliding_window = null .*positive integer/);
    expect(configError({ ...qwen, use_sliding_window: 'yes' }).key).toBe('use_sliding_window');
  });
});
