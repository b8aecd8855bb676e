/** Model-side utilities of @rlvr/kernels: safetensors IO and the decoder's Hugging Face config and parameter list. */
export {
  SafetensorsError, MAX_HEADER_BYTES, f16BitsToNumber, bf16BitsToNumber, f16ToFloat32, bf16ToFloat32,
  decodeSafetensors, encodeSafetensors, readSafetensors, readSafetensorsSync, writeSafetensors,
} from './safetensors.js';
export type { NamedTensor, NamedTensors, SafetensorsMetadata, SafetensorsContent } from './safetensors.js';
export {
  ConfigError, ModelWeightsError, INIT_STD, parseDecoderConfig, decoderConfigToJson, parameterSpecs,
  parameterCount, validateWeights, initWeights,
} from './config.js';
export type { DecoderFamily, DecoderConfig, ParameterKind, ParameterSpec, WeightIssue } from './config.js';
