/**
 * @rlvr/kernels/reference: plain-loop CPU references of every @rlvr/kernels op (forward and backward,
 * f64 accumulation) with the shapes, options and helpers they share with the other implementations,
 * the plain-loop matmuls, and the f64 finite-difference helper: the ground truth for the GPU and
 * fast-CPU backends. Each lives in its op's folder (`<op>/<op>.reference.ts`, `<op>/<op>.shared.ts`);
 * their case tables are in `@rlvr/kernels/testing`.
 */
// `at` and the require* checks stay internal: generic names.
export { KernelReferenceError } from '../errors.js';
export { allocLike, type Floats, type Ints } from '../arrays.js';
export * from './finite-difference.js';
export * from '../embedding/embedding.reference.js';
export * from '../embedding/embedding.shared.js';
export * from '../rmsnorm/rmsnorm.reference.js';
export * from '../rmsnorm/rmsnorm.shared.js';
export * from '../rope/rope.reference.js';
export * from '../rope/rope.shared.js';
export * from '../attention/attention.reference.js';
export * from '../attention/attention.shared.js';
export * from '../residual/residual.reference.js';
export * from '../bias/bias.reference.js';
export * from '../swiglu/swiglu.reference.js';
export * from '../loss/log-softmax-gather.reference.js';
export * from '../loss/pg-loss.reference.js';
export * from '../loss/pg-loss-logits.reference.js';
export * from '../loss/loss.shared.js';
export * from '../grad-norm/grad-norm.reference.js';
export * from '../grad-norm/grad-norm.shared.js';
export * from '../adamw/adamw.reference.js';
export * from '../adamw/adamw.shared.js';
export { matmulReference, referenceMatmulProduct, type ReferenceProductShape } from '../matmul/matmul.reference.js';
export { matmulStrides, matmulInputLengths, type MatmulShape } from '../matmul/matmul.shared.js';
export { referenceMatmul } from '../decoder/matmul-engine.js';
