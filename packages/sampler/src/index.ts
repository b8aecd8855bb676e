/**
 * @rlvr/sampler: group rollouts (M responses per prompt with token logprobs) from ONNX causal language
 * models through onnxruntime-node, with tokenizers from @huggingface/tokenizers. Test helpers (a tiny
 * model and its model directory) are in `@rlvr/sampler/testing`.
 */
export {
  SamplerError,
  TokenizerError,
  ModelLoadError,
  GenerationError,
  NonFiniteLogitsError,
  SamplerDeviceError,
} from './errors.js';
export { SamplerTokenizer, readJsonFile } from './tokenizer/tokenizer.js';
export type { ChatMessage, ChatTemplateOptions } from './tokenizer/tokenizer.js';
export {
  buildBpeTokenizer,
  writeTokenizerFiles,
  bytesToUnicode,
  DEFAULT_SPECIAL_TOKENS,
  CHATML_TEMPLATE,
} from './tokenizer/bpe-builder.js';
export type { BpeBuildOptions, TokenizerFiles } from './tokenizer/bpe-builder.js';
export {
  buildDecoderGraph,
  encodeDecoderGraph,
  kvNames,
  sharedKvNames,
  SLOT_ROW,
  ROW_SLOT,
  ropeTables,
} from './model/decoder-graph.js';
export type { DecoderGraphOptions, WeightMode, KvLayout, LoraGraphSpec } from './model/decoder-graph.js';
export { DecodeCache, CACHE_CHUNK } from './model/decode-cache.js';
export { samplerThreads, sessionOptions } from './model/session-options.js';
export type { SessionThreading } from './model/session-options.js';
export { SAMPLER_DEVICES, probeWebGpuEp, assertDeviceStarts } from './model/execution-device.js';
export type { SamplerDevice, WebGpuEpProbe } from './model/execution-device.js';
export type { PrefillCache, CacheGeometry } from './model/decode-cache.js';
export { CausalLm, geometryOf, resolveWeightMode, AUTO_INITIALIZERS_MIN_PARAMETERS } from './model/causal-lm.js';
export type {
  CausalLmWeightMode,
  CausalLmLora,
  KvCache,
  CausalLmGeometry,
  CausalLmOptions,
  StepInputs,
  StepOutputs,
} from './model/causal-lm.js';
export { loadModelDir, ONNX_CANDIDATES } from './model/model-dir.js';
export type { LoadModelOptions, LoadedModel } from './model/model-dir.js';
export { Sampler } from './sampler.js';
export type { Rollout, FinishReason, Prompt } from './sampler.js';
export { resolveOptions } from './sampling/options.js';
export type { GenerateOptions, ResolvedOptions } from './sampling/options.js';
export { logSoftmax, argmax, keptTokens, keepsAll, drawToken } from './sampling/distribution.js';
export type { TruncationOptions } from './sampling/distribution.js';
export { findStop } from './sampling/stop.js';
