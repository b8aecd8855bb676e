/** The decoder's Hugging Face config and parameter list now live in @rlvr/core; re-exported for existing imports. */
export {
  ConfigError, ModelWeightsError, INIT_STD, parseDecoderConfig, decoderConfigToJson, parameterSpecs,
  parameterCount, validateWeights, initWeights,
} from '@rlvr/core';
export type { DecoderFamily, DecoderConfig, ParameterKind, ParameterSpec, WeightIssue } from '@rlvr/core';
