/**
 * @rlvr/kernels/reference: plain-loop CPU references of every @rlvr/kernels op (forward and backward,
 * f64 accumulation), the plain-loop matmuls, and the f64 finite-difference helper: the ground truth
 * for the GPU and fast-CPU backends. Their case tables are in `@rlvr/kernels/testing`.
 */
// `at` and the require* checks stay internal: generic names.
export { KernelReferenceError, allocLike, type Floats, type Ints } from './common.js';
export * from './finite-difference.js';
export * from './rmsnorm.js';
export * from './rope.js';
export * from './attention.js';
export * from './swiglu.js';
export * from './embedding.js';
export * from './residual.js';
export * from './log-softmax-gather.js';
export * from './pg-loss.js';
export * from './grad-norm.js';
export * from './adamw.js';
export * from './pg-loss-logits.js';
export { matmulReference, matmulStrides, matmulInputLengths, type MatmulShape } from '../matmul/matmul.reference.js';
export { referenceMatmul, referenceMatmulProduct } from '../decoder/matmul-engine.js';
