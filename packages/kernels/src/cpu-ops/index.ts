/** Fast Float32Array ops of the cpu backend's decoder (tight loops, reused buffers; attention products on a MatmulEngine). */
export { addBiasRows, addInto, columnSumsInto, embeddingBackwardInto, embeddingForwardInto, rmsNormBackwardInto, rmsNormForwardInto, ropeInPlace, swigluBackwardInto, swigluForwardInto } from './ops.js';
export { AttentionWorkspace, attentionProbsLength, fastAttentionBackward, fastAttentionForward } from './attention.js';
export type { FastAttentionDims } from './attention.js';
