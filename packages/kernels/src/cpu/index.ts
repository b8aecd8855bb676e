/** The cpu backend's building blocks: ONNX Runtime matrix products and the ONNX graph encoder behind them. */
export { OrtMatmul, MatmulError, buildMatmulModel } from './ort-matmul.js';
export type { MatmulShape, OrtMatmulOptions } from './ort-matmul.js';
export { encodeOnnxModel, ONNX_FLOAT } from './onnx-proto.js';
export type { OnnxDim, OnnxValueInfo, OnnxAttribute, OnnxNode, OnnxInitializer, OnnxModel } from './onnx-proto.js';
export { OrtSoftmax, SoftmaxError } from './ort-softmax.js';
export type { OrtSoftmaxOptions } from './ort-softmax.js';
export { createOrtSession } from './ort-session.js';
export type { OrtThreading } from './ort-session.js';
