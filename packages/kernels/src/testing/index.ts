/**
 * @rlvr/kernels/testing: what the package's own tests (and the trainer's) check the kernels with —
 * the GPU-suite helper, adapter descriptions for logs, each op's derived error bound, and the case
 * tables shared by the references and the GPU tests. Not part of the runtime API.
 */
/** Declare a jest suite that runs on a real WebGPU device, or skips loudly (uses jest's globals). */
export { describeGpu } from '../device/describe-gpu.js';
export { describeAdapter, summariseAdapter } from '../device/gpu-device.js';

// Error bounds of the GPU kernels against the f64 references.
export { matmulTolerance } from '../matmul/matmul.tolerance.js';
export { rmsNormTolerance } from '../rmsnorm/rmsnorm.tolerance.js';
export { swigluTolerance } from '../swiglu/swiglu.tolerance.js';
export { attentionTolerance } from '../attention/attention.tolerance.js';
export { logSoftmaxTolerances, pgLossTolerances } from '../loss/loss.tolerance.js';
export { ropeTolerance } from '../rope/rope.js';
export { AdamwTolerance } from '../adamw/adamw.tolerance.js';

// Case tables (and their seeded inputs).
export { matmulCases, type MatmulCase } from '../matmul/matmul.cases.js';
export * from '../reference/rmsnorm.cases.js';
export * from '../reference/rope.cases.js';
export * from '../reference/attention.cases.js';
export * from '../reference/swiglu.cases.js';
export * from '../reference/embedding.cases.js';
export * from '../reference/residual.cases.js';
export * from '../reference/log-softmax-gather.cases.js';
export * from '../reference/pg-loss.cases.js';
export * from '../reference/grad-norm.cases.js';
export * from '../reference/adamw.cases.js';
