/**
 * @rlvr/kernels: the backends (`cpu` on ONNX Runtime, `webgpu` on Dawn), the decoder model the trainer
 * differentiates, the GPU ops it is built from, and the package's error classes. Test helpers, case
 * tables and tolerances are in `@rlvr/kernels/testing`; the plain-loop references in
 * `@rlvr/kernels/reference`. The HF config, safetensors and model-directory IO are `@rlvr/core`'s.
 */
export { KernelsError, KernelOptionError, NonFiniteGradientError } from './errors.js';
export { BackendUnavailableError, GpuDisposedError, GpuError, GpuKernelError, TensorShapeError } from './device/index.js';
export type { GpuErrorKind } from './device/index.js';

// Backends and the WebGPU device.
export { selectBackend, parseBackendChoice, GpuDevice, requestGpuDevice, tryRequestGpuDevice, probeAdapter, openDevice } from './device/index.js';
export type { AdapterProbe, AdapterSummary, GpuDeviceOptions, BackendChoice, BackendName, BackendSelection, SelectBackendOptions } from './device/index.js';

// The decoder model: one interface over both backends, its files, and the two models behind it.
export { createDecoderModel, loadDecoderModel, saveDecoderModel } from './backend-model/index.js';
export type { CreateDecoderModelOptions, DecoderModel, OptimizerState } from './backend-model/index.js';
export { CpuDecoderModel, DecoderModelError, ortMatmulEngine } from './decoder/index.js';
export type { AdamWState, DecoderF32Options, DecoderOps, DecoderStepOptions, DecoderTensor, DecoderTensors, StepReport, EngineMatmulShape, MatmulEngine } from './decoder/index.js';
export { GpuDecoderModel } from './gpu-decoder/index.js';
export type { GpuDecoderWeights } from './gpu-decoder/index.js';

// The policy-gradient micro-batch and its shifted-token layout helpers.
export { padShifted, shiftedTargets, unpadShifted } from './policy/index.js';
export type { PaddedPolicyInputs, PolicyBatch, PolicyLossConfig, PolicyLossOptions, PolicyLossStats, TokenLogprobs } from './policy/index.js';

// The cpu backend's building blocks.
/** Fast f32 CPU versions of the non-matmul ops (the `cpu` backend's element-wise and row work). */
export * as cpuOps from './cpu-ops/index.js';
export {
  OrtMatmul,
  MatmulError,
  OrtSoftmax,
  SoftmaxError,
  type MatmulShape as OrtMatmulShape,
  type OrtMatmulOptions,
  type OrtSoftmaxOptions,
} from './cpu/index.js';

// GPU tensors and the WGSL ops on them (forward, backward, optimizer, loss).
export { GpuTensor, PipelineCache, pipelineCacheOf } from './gpu/index.js';
export type { PipelineSpec, TensorWindow } from './gpu/index.js';
export { matmul } from './matmul/index.js';
export type { MatmulOptions, MatmulShape } from './matmul/index.js';
export { rmsNormForwardGpu, rmsNormBackwardGpu } from './rmsnorm/index.js';
export { swigluForwardGpu, swigluBackwardGpu } from './swiglu/index.js';
export { residualAddGpu, residualAddBackwardGpu } from './residual/index.js';
export { embeddingForwardGpu, embeddingBackwardGpu } from './embedding/index.js';
export type { TokenIds } from './embedding/index.js';
export { rope, ropeTable, ropeTableTensor } from './rope/index.js';
export type { RopeGpuOptions } from './rope/index.js';
export { attentionForwardGpu, attentionBackwardGpu, type AttentionMask } from './attention/index.js';
export { adamwStepGpu } from './adamw/index.js';
export { gradNormGpu, clipGradNormGpu } from './grad-norm/index.js';
export { logSoftmaxGather, logSoftmaxGatherBackward, pgLossLogits } from './loss/index.js';
export type { LogSoftmaxGpuOptions, PgLossGpuInputs, PgLossGpuOptions, PgLossGpuResult } from './loss/index.js';
