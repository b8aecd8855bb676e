export {
  rmsNormForwardGpu,
  rmsNormBackwardGpu,
  planRmsNormForward,
  planRmsNormBackward,
  rmsNormForwardSpec,
  rmsNormBackwardSpec,
  RMSNORM_WGSL,
  RMSNORM_BACKWARD_WGSL,
  RMSNORM_PARAMS,
  RMSNORM_BACKWARD_PARAMS,
} from './rmsnorm.js';
export { rmsNormTolerance } from './rmsnorm.tolerance.js';
