export { residualAddGpu, residualAddBackwardGpu, planResidualAdd, residualSpec, RESIDUAL_WGSL, RESIDUAL_PARAMS } from './residual.js';
