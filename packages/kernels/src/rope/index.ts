export { rope, ropeTable, ropeTableTensor, ropeTolerance, ropePipelineSpec, ROPE_PARAMS, ROPE_WGSL } from './rope.js';
export type { RopeGpuOptions } from './rope.js';
