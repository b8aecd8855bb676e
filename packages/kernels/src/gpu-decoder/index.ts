/** The decoder forward on WebGPU (Llama/Qwen2), composed from the package's WGSL kernels. */
export { GpuDecoderModel, planBiasAdd, BIAS_ADD_PARAMS, BIAS_ADD_WGSL } from './gpu-decoder.js';
export type { GpuDecoderWeights } from './gpu-decoder.js';
