export { logSoftmaxGather, logSoftmaxGatherBackward, pgLossLogits, lossPipelineSpec, lossBytesMoved, lossLayout, lossChunks, LOSS_PARAMS, LOSS_WGSL, LOSS_WORKGROUP, LOSS_SPLIT_FALLBACK } from './loss.js';
export type { LossMode, LossLayout, LossEntryPoint, LogSoftmaxGpuOptions, PgLossGpuInputs, PgLossGpuOptions, PgLossGpuResult } from './loss.js';
export { logSoftmaxTolerances, pgLossTolerances } from './loss.tolerance.js';
