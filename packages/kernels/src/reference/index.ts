/**
 * Plain-loop CPU references of every @rlvr/kernels op (forward and backward), their shared case
 * tables, and the f64 finite-difference helper: the ground truth for the GPU and fast-CPU backends.
 */
// `at` and the require* checks stay internal: generic names that would collide in src/index.ts.
export { KernelReferenceError, allocLike, type Floats, type Ints } from './common.js';
export * from './finite-difference.js';
export * from './rmsnorm.js';
export * from './rmsnorm.cases.js';
export * from './rope.js';
export * from './rope.cases.js';
export * from './attention.js';
export * from './attention.cases.js';
export * from './swiglu.js';
export * from './swiglu.cases.js';
export * from './embedding.js';
export * from './embedding.cases.js';
export * from './residual.js';
export * from './residual.cases.js';
export * from './log-softmax-gather.js';
export * from './log-softmax-gather.cases.js';
export * from './pg-loss.js';
export * from './pg-loss.cases.js';
export * from './grad-norm.js';
export * from './grad-norm.cases.js';
export * from './adamw.js';
export * from './adamw.cases.js';
export * from './pg-loss-logits.js';
