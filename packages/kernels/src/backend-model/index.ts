/** One decoder interface over the cpu and webgpu backends, chosen by {@link createDecoderModel}. */
export { createDecoderModel } from './backend-model.js';
export type {
  CreateDecoderModelOptions,
  DecoderModel,
  LiveTensors,
  LiveAdapters,
  LoraModelOptions,
  OptimizerState,
} from './backend-model.js';
export { loadDecoderModel, saveDecoderModel } from './model-files.js';
export type { CpuEngine, CpuMemoryOptions } from './cpu-backend.js';
