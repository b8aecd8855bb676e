/** The CPU DecoderModel (Llama/Qwen2/Qwen3) composed from the reference or the fast cpu ops, and its matmul engines. */
export { CpuDecoderModel, DecoderModelError } from './model.js';
export type {
  AdamWState,
  DecoderF32Options,
  DecoderMemoryOptions,
  DecoderOps,
  DecoderStepOptions,
  DecoderTensor,
  DecoderTensors,
  StepReport,
} from './model.js';
export { referenceMatmul, ortMatmulEngine } from './matmul-engine.js';
export type { EngineMatmulShape, MatmulEngine } from './matmul-engine.js';
