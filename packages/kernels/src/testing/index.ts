/**
 * @rlvr/kernels/testing: what the package's own tests (and the trainer's) check the kernels with —
 * the GPU-suite helper, adapter descriptions for logs, the one-shot GPU forms of the kernels (new output
 * tensors, one submit), each op's derived error bound, and the case tables shared by the references,
 * the fast cpu ops and the GPU tests. Not part of the runtime API.
 */
/** Declare a jest suite that runs on a real WebGPU device, or skips loudly (uses jest's globals). */
export { describeGpu } from '../device/describe-gpu.js';
export { describeAdapter, summariseAdapter } from '../device/gpu-device.js';

// Whole-model test fixtures: lively weights, a left-padded batch, max-norm helpers.
export { livelyWeights, PADDED_BATCH, maxAbs, maxDiff, tinyDecoderConfig } from './decoder-fixtures.js';

// One-shot GPU forms of the kernels (the decoder records their plans instead).
export { embeddingForwardGpu, embeddingBackwardGpu, type TokenIds } from '../embedding/embedding.gpu.js';
export { rmsNormForwardGpu, rmsNormBackwardGpu } from '../rmsnorm/rmsnorm.gpu.js';
export { rope, ropeTableTensor, type RopeGpuOptions } from '../rope/rope.gpu.js';
export { attentionForwardGpu, attentionBackwardGpu, type AttentionMask } from '../attention/attention.gpu.js';
export { residualAddGpu, residualAddIntoGpu, residualAddBackwardGpu } from '../residual/residual.gpu.js';
export { biasAddGpu, biasGradGpu } from '../bias/bias.gpu.js';
export { swigluForwardGpu, swigluBackwardGpu } from '../swiglu/swiglu.gpu.js';
export { adamwStepGpu } from '../adamw/adamw.gpu.js';

// Error bounds of the GPU kernels against the f64 references.
export { embeddingScatterTolerance } from '../embedding/embedding.tolerance.js';
export { rmsNormTolerance } from '../rmsnorm/rmsnorm.tolerance.js';
export { ropeTolerance } from '../rope/rope.tolerance.js';
export { attentionTolerance } from '../attention/attention.tolerance.js';
export { biasGradTolerance } from '../bias/bias.tolerance.js';
export { swigluTolerance } from '../swiglu/swiglu.tolerance.js';
export { matmulTolerance } from '../matmul/matmul.tolerance.js';
export { logSoftmaxTolerances, pgLossTolerances } from '../loss/loss.tolerance.js';
export { gradNormTolerance } from '../grad-norm/grad-norm.tolerance.js';
export { AdamwTolerance } from '../adamw/adamw.tolerance.js';

// Case tables (and their seeded inputs).
export * from '../embedding/embedding.cases.js';
export * from '../rmsnorm/rmsnorm.cases.js';
export * from '../rope/rope.cases.js';
export * from '../attention/attention.cases.js';
export * from '../residual/residual.cases.js';
export * from '../bias/bias.cases.js';
export * from '../swiglu/swiglu.cases.js';
export { matmulCases, type MatmulCase } from '../matmul/matmul.cases.js';
export * from '../loss/log-softmax-gather.cases.js';
export * from '../loss/pg-loss.cases.js';
export * from '../grad-norm/grad-norm.cases.js';
export * from '../adamw/adamw.cases.js';
