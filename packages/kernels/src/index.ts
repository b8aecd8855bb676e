/**
 * @rlvr/kernels: the backends (`cpu` on ONNX Runtime, `webgpu` on Dawn), the decoder model the trainer
 * differentiates, the GPU ops it is built from, and the package's error classes. Test helpers, case
 * tables and tolerances are in `@rlvr/kernels/testing`; the plain-loop references in
 * `@rlvr/kernels/reference`. The HF config, safetensors and model-directory IO are `@rlvr/core`'s.
 */
export { KernelsError, KernelOptionError, NonFiniteGradientError } from './errors.js';
export {
  BackendUnavailableError,
  GpuDisposedError,
  GpuError,
  GpuKernelError,
  TensorShapeError,
} from './device/index.js';
export type { GpuErrorKind } from './device/index.js';

// Backends and the WebGPU device.
export {
  selectBackend,
  parseBackendChoice,
  GpuDevice,
  requestGpuDevice,
  tryRequestGpuDevice,
  probeAdapter,
  describeAdapter,
  openDevice,
} from './device/index.js';
export type {
  AdapterProbe,
  AdapterSummary,
  GpuDeviceOptions,
  BackendChoice,
  BackendName,
  BackendSelection,
  SelectBackendOptions,
} from './device/index.js';

// The decoder model: one interface over both backends, its files, and the two models behind it.
export { createDecoderModel, loadDecoderModel, saveDecoderModel } from './backend-model/index.js';
export type {
  CpuEngine,
  CpuMemoryOptions,
  CreateDecoderModelOptions,
  DecoderModel,
  LiveTensors,
  LiveAdapters,
  LoraModelOptions,
  OptimizerState,
} from './backend-model/index.js';
export { CpuDecoderModel, DecoderModelError, ortMatmulEngine } from './decoder/index.js';
export type {
  AdamWState,
  DecoderF32Options,
  DecoderOps,
  DecoderStepOptions,
  DecoderTensor,
  DecoderTensors,
  StepReport,
  EngineMatmulShape,
  MatmulEngine,
} from './decoder/index.js';
// LoRA adapters in PEFT's layout (trained by the cpu backend through `createDecoderModel({ lora })`).
export { LORA_MODULES, LoraAdapters, checkLoraSettings, loraTargets } from './lora/index.js';
export type { LoraInit, LoraModule, LoraSettings, LoraTarget } from './lora/index.js';
export { GpuDecoderModel } from './gpu-decoder/index.js';
export type { GpuDecoderWeights } from './gpu-decoder/index.js';

// The policy-gradient micro-batch and its shifted-token layout helpers.
export { PolicyModel, padShifted, shiftedTargets, unpadShifted } from './policy/index.js';
export type {
  PaddedLossStats,
  PaddedPolicyInputs,
  PolicyBackend,
  PolicyBatch,
  PolicyLossConfig,
  PolicyLossOptions,
  PolicyLossStats,
  PolicyModelOptions,
  TokenLogprobs,
} from './policy/index.js';

// The cpu backend's building blocks.
/** Fast f32 CPU versions of the non-matmul ops (the `cpu` backend's element-wise and row work; each in its op folder's `<op>.cpu.ts`). */
export * as cpuOps from './cpu.js';
export { OrtMatmul, MatmulError, type MatmulShape as OrtMatmulShape, type OrtMatmulOptions } from './ort/index.js';

// GPU tensors and the WGSL ops the decoder's policy step is built from beyond its plans (matmul, the
// fused loss, the global gradient norm). The one-shot forms of the other kernels are test helpers, in
// `@rlvr/kernels/testing`.
export { GpuTensor, PipelineCache, pipelineCacheOf } from './gpu/index.js';
export type { PipelineSpec, TensorWindow } from './gpu/index.js';
export { matmul } from './matmul/matmul.gpu.js';
export type { MatmulOptions } from './matmul/matmul.gpu.js';
export type { MatmulShape } from './matmul/matmul.shared.js';
export { gradNormGpu, clipGradNormGpu } from './grad-norm/grad-norm.gpu.js';
export { logSoftmaxGather, logSoftmaxGatherBackward, pgLossLogits } from './loss/loss.gpu.js';
export type { LogSoftmaxGpuOptions, PgLossGpuInputs, PgLossGpuOptions, PgLossGpuResult } from './loss/loss.gpu.js';
