/** The CPU DecoderModel (Llama/Qwen2) composed from the reference ops, and its matmul engines. */
export { CpuDecoderModel, DecoderModelError } from './model.js';
export type { AdamWState, DecoderF32Options, DecoderOps, DecoderStepOptions, DecoderTensor, DecoderTensors, StepReport } from './model.js';
export { referenceMatmul, referenceMatmulProduct, ortMatmulEngine } from './matmul-engine.js';
export type { EngineMatmulShape, MatmulEngine } from './matmul-engine.js';
