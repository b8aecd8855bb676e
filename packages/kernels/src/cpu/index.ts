/** The cpu backend's building blocks: ONNX Runtime matrix products and row softmax (graphs encoded by @rlvr/core). */
export { OrtMatmul, MatmulError, buildMatmulModel } from './ort-matmul.js';
export type { MatmulShape, OrtMatmulOptions } from './ort-matmul.js';
export { OrtSoftmax, SoftmaxError } from './ort-softmax.js';
export type { OrtSoftmaxOptions } from './ort-softmax.js';
export { createOrtSession } from './ort-session.js';
export type { OrtThreading } from './ort-session.js';
