export { GpuTensor, shapeSize } from './tensor.js';
export { PipelineCache, pipelineCacheOf, pipelineKey } from './pipeline-cache.js';
export type { PipelineSpec } from './pipeline-cache.js';
export { packU32Uniforms, createUniformBuffer, wgslStructFields } from './uniforms.js';
export { BufferUsage, MapMode } from './usage.js';
export { bindingWindows, elementWindow, wholeBinding } from './windows.js';
export type { TensorWindow } from './windows.js';
