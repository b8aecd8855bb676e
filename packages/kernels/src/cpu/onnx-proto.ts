/** The ONNX protobuf encoder now lives in @rlvr/core; re-exported for existing imports. */
export { encodeOnnxModel, ONNX_FLOAT } from '@rlvr/core';
export type { OnnxDim, OnnxValueInfo, OnnxAttribute, OnnxNode, OnnxInitializer, OnnxModel } from '@rlvr/core';
