export { gradNormGpu, clipGradNormGpu, planGradNorm, planGradScale, gradNormLayout, gradNormSpec, GRAD_NORM_WGSL, GRAD_NORM_PARAMS } from './grad-norm.js';
