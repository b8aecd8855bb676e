/**
 * @rlvr/sampler/testing: test helpers, not part of the runtime API — a tiny seeded Llama-style model
 * (config, weights, a byte-level BPE tokenizer learned from a small corpus), the writer of its model
 * directory, stand-ins of the Llama 3 and Qwen tokenizers, and the benchmarks' 30M model config.
 */
export { tinyModel, writeModelDir, TINY_CORPUS } from './tiny-model.js';
export type { TinyModel, TinyModelOptions } from './tiny-model.js';
export { BENCH_30M_CONFIG_JSON } from './bench-models.js';
export {
  llama3StandIn,
  qwenStandIn,
  writeChatTemplateFile,
  LLAMA3_SPECIAL_TOKENS,
  LLAMA3_STYLE_TEMPLATE,
} from './stand-in-tokenizers.js';
