export { adamwStepGpu, planAdamw, adamwScalars, adamwSpec, ADAMW_WGSL, ADAMW_PARAMS } from './adamw.js';
export { AdamwTolerance } from './adamw.tolerance.js';
