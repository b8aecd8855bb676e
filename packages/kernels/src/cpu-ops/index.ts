/** Fast Float32Array ops of the cpu backend's decoder (tight loops, reused buffers; attention products on a MatmulEngine). */
export { addBiasRows, addInto, columnSumsInto, embeddingBackwardInto, embeddingForwardInto, rmsNormBackwardInto, rmsNormForwardInto, ropeInPlace, swigluBackwardInto, swigluForwardInto } from './ops.js';
export { AttentionWorkspace, attentionProbsLength, fastAttentionBackward, fastAttentionForward, stackedQkvLengths } from './attention.js';
export type { AttentionRope, FastAttentionDims, FastAttentionOptions, StackedQkv } from './attention.js';
export { adamwStepF32 } from './adamw.js';
export { nextTokenCrossEntropyGradInto } from './cross-entropy.js';
export { logSoftmaxGatherBackwardF32, logSoftmaxGatherF32 } from './log-softmax.js';
