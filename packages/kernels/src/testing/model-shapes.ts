/**
 * Model shapes the tests and benchmarks share, as Hugging Face config.json objects (parse them with
 * `parseDecoderConfig`; spread one to change a field).
 */

/** The embedded Countdown base model's shape (the demo's; 125,568 parameters). */
export const DEMO_MODEL_JSON = {
  model_type: 'llama',
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 16,
  intermediate_size: 176,
  vocab_size: 517,
  rms_norm_eps: 1e-5,
  tie_word_embeddings: true,
  max_position_embeddings: 512,
} as const;

/** Qwen2.5-0.5B's shape (494M parameters, a 151,936-token vocabulary). */
export const QWEN25_05B_JSON = {
  model_type: 'qwen2',
  hidden_size: 896,
  num_hidden_layers: 24,
  num_attention_heads: 14,
  num_key_value_heads: 2,
  intermediate_size: 4864,
  vocab_size: 151936,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000,
  tie_word_embeddings: true,
} as const;
