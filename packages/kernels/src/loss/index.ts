export { logSoftmaxGather, logSoftmaxGatherBackward, pgLossLogits, lossPipelineSpec, lossBytesMoved, LOSS_PARAMS, LOSS_WGSL, LOSS_WORKGROUP } from './loss.js';
export type { LossMode, LogSoftmaxGpuOptions, PgLossGpuInputs, PgLossGpuOptions, PgLossGpuResult } from './loss.js';
export { logSoftmaxTolerances, pgLossTolerances } from './loss.tolerance.js';
