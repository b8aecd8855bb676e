/** The sampler benchmarks' 30M-parameter Llama-style model (GQA 8/4, tied head), as a Hugging Face config.json object. */
export const BENCH_30M_CONFIG_JSON = {
  model_type: 'llama',
  hidden_size: 512,
  num_hidden_layers: 10,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  intermediate_size: 1408,
  vocab_size: 2048,
  max_position_embeddings: 512,
  tie_word_embeddings: true,
} as const;
