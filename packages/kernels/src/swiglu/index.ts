export { swigluForwardGpu, swigluBackwardGpu, planSwigluForward, planSwigluBackward, swigluSpec, SWIGLU_WGSL, SWIGLU_PARAMS } from './swiglu.js';
export { swigluTolerance } from './swiglu.tolerance.js';
