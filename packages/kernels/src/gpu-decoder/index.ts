/** The decoder (forward, backward, AdamW step) on WebGPU (Llama, Qwen2, Qwen3), composed from the package's WGSL kernels. */
export { GpuDecoderModel, GpuPolicyBackend, planBiasAdd, planBiasGrad, planAddInto, BIAS_ADD_PARAMS, BIAS_ADD_WGSL, BIAS_GRAD_PARAMS, BIAS_GRAD_WGSL, ADD_INTO_PARAMS, ADD_INTO_WGSL } from './gpu-decoder.js';
export type { GpuDecoderWeights } from './gpu-decoder.js';
