/** One decoder interface over the cpu and webgpu backends, chosen by {@link createDecoderModel}. */
export { createDecoderModel } from './backend-model.js';
export type { CreateDecoderModelOptions, DecoderModel } from './backend-model.js';
