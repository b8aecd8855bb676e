/** The decoder (forward, backward, AdamW step) on WebGPU (Llama, Qwen2, Qwen3), composed from the package's WGSL kernels. */
export { GpuDecoderModel, GpuPolicyBackend } from './gpu-decoder.js';
export type { GpuDecoderWeights } from './gpu-decoder.js';
