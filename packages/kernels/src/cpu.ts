/**
 * The cpu backend's fast f32 ops, one module per op folder (`<op>/<op>.cpu.ts`: tight loops, outputs
 * into reused buffers, attention's products on a MatmulEngine), gathered for the root's `cpuOps`
 * namespace. Each equals its op's reference on the reference's case table within f32 tolerance.
 */
export { addBiasRows, columnSumsInto } from './bias/bias.cpu.js';
export { addInto } from './residual/residual.cpu.js';
export { embeddingBackwardInto, embeddingForwardInto } from './embedding/embedding.cpu.js';
export { rmsNormBackwardInto, rmsNormForwardInto } from './rmsnorm/rmsnorm.cpu.js';
export { ropeInPlace } from './rope/rope.cpu.js';
export { swigluBackwardInto, swigluForwardInto } from './swiglu/swiglu.cpu.js';
export {
  AttentionWorkspace,
  attentionProbsLength,
  fastAttentionBackward,
  fastAttentionForward,
  stackedQkvLengths,
} from './attention/attention.cpu.js';
export type { AttentionRope, FastAttentionOptions, StackedQkv } from './attention/attention.cpu.js';
export { adamwStepF32 } from './adamw/adamw.cpu.js';
export { logSoftmaxGatherBackwardF32, logSoftmaxGatherF32 } from './loss/log-softmax-gather.cpu.js';
