export { KernelsError } from './errors.js';
export * from './device/index.js';
export * from './gpu/index.js';
export * from './matmul/index.js';
export * from './rmsnorm/index.js';
export * from './swiglu/index.js';
export * from './residual/index.js';
export * from './embedding/index.js';
export * from './adamw/index.js';
export * from './grad-norm/index.js';
export * from './loss/index.js';
export * from './rope/index.js';
export * from './attention/index.js';
export * from './decoder/index.js';
export * from './gpu-decoder/index.js';
export * from './backend-model/index.js';
export * from './policy/index.js';
/** Fast f32 CPU versions of the non-matmul ops (the `cpu` backend's element-wise and row work). */
export * as cpuOps from './cpu-ops/index.js';
export * from './model/index.js';
export {
  OrtMatmul,
  MatmulError,
  buildMatmulModel,
  encodeOnnxModel,
  ONNX_FLOAT,
  type MatmulShape as OrtMatmulShape,
  type OrtMatmulOptions,
  type OnnxAttribute,
  type OnnxDim,
  type OnnxInitializer,
  type OnnxModel,
  type OnnxNode,
  type OnnxValueInfo,
} from './cpu/index.js';
export { SeededRandom, seededFloats, seededInts } from './random.js';
/** Plain-loop CPU references of every op (forward and backward): the ground truth of the tests. */
export * as reference from './reference/index.js';
