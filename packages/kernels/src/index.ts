export { KernelsError, KernelOptionError, NonFiniteGradientError } from './errors.js';
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
/** The decoder's HF config and parameter list, safetensors and model-directory IO, the ONNX encoder, the seeded RNG. */
export * from '@rlvr/core';
export {
  OrtMatmul,
  MatmulError,
  buildMatmulModel,
  OrtSoftmax,
  SoftmaxError,
  type MatmulShape as OrtMatmulShape,
  type OrtMatmulOptions,
  type OrtSoftmaxOptions,
} from './cpu/index.js';
/** Plain-loop CPU references of every op (forward and backward): the ground truth of the tests. */
export * as reference from './reference/index.js';
