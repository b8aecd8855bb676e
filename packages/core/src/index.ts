/**
 * @rlvr/core: what several @rlvr packages share (the decoder's Hugging Face config, parameter list and
 * block chain, safetensors IO, an ONNX protobuf encoder, a seeded RNG). Zero dependencies.
 */
export { CoreError } from './errors.js';
export { SeededRandom, seededFloats, seededInts } from './random.js';
export {
  SafetensorsError,
  MAX_HEADER_BYTES,
  f16BitsToNumber,
  bf16BitsToNumber,
  f16ToFloat32,
  bf16ToFloat32,
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  readSafetensorsSync,
  openSafetensorsSync,
  writeSafetensors,
} from './model/safetensors.js';
export type {
  NamedTensor,
  NamedTensors,
  SafetensorsMetadata,
  SafetensorsContent,
  SafetensorsReader,
  SafetensorsTensorInfo,
  ReadSafetensorsOptions,
  WriteDtype,
} from './model/safetensors.js';
export {
  DEFAULT_MAX_SHARD_BYTES,
  planShards,
  readSafetensorsSharded,
  visitSafetensorsSharded,
  shardedFileNames,
  writeSafetensorsSharded,
} from './model/safetensors-sharded.js';
export type { WriteShardedOptions } from './model/safetensors-sharded.js';
export {
  ConfigError,
  ModelWeightsError,
  INIT_STD,
  parseDecoderConfig,
  decoderConfigToJson,
  parameterSpecs,
  parameterCount,
  validateWeights,
  initWeights,
} from './model/config.js';
export type { DecoderFamily, DecoderConfig, ParameterKind, ParameterSpec, WeightIssue } from './model/config.js';
export { ropeFrequencies, ropeCosSin } from './model/rope-frequencies.js';
export type { RopeConfig, RopeFrequencies } from './model/rope-frequencies.js';
export type {
  RopeScaling,
  LinearRopeScaling,
  DynamicRopeScaling,
  Llama3RopeScaling,
  YarnRopeScaling,
} from './model/config-rope.js';
export {
  decoderParameters,
  decoderForward,
  decoderBackward,
  decoderHidden,
  decoderBackwardFromHidden,
  decoderBlockForward,
  decoderBlockBackward,
  chainSiteKey,
  ChainSiteMap,
} from './model/decoder-chain.js';
export type {
  LinearParameters,
  BlockParameters,
  DecoderParameters,
  ChainValue,
  ChainSite,
  DecoderForwardOps,
  DecoderBackwardOps,
  BeforeBlockBackward,
} from './model/decoder-chain.js';
export { OnnxGraphBuilder } from './onnx/graph-builder.js';
export { encodeOnnxModel, ONNX_FLOAT, ONNX_INT32, ONNX_INT64, ONNX_BOOL } from './onnx/onnx-proto.js';
export type { OnnxDim, OnnxValueInfo, OnnxAttribute, OnnxNode, OnnxInitializer, OnnxModel } from './onnx/onnx-proto.js';
export { writeFileAtomic } from './atomic-write.js';
export { MODEL_FILES, ModelDirectoryError, readModelDirectory, writeModelDirectory } from './model/model-directory.js';
export type { ModelDirectory, WriteModelDirectoryOptions } from './model/model-directory.js';
export { cpuThreadsFromEnv } from './cpu-threads.js';
