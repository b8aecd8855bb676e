export {
  attentionForwardGpu,
  attentionBackwardGpu,
  planAttentionForward,
  planAttentionBackward,
  attentionForwardSpec,
  attentionBackwardSpec,
  checkedAttentionMask,
  ATTENTION_WGSL,
  ATTENTION_BACKWARD_WGSL,
  ATTENTION_PARAMS,
  ATTENTION_MAX_HEAD_DIM,
  type AttentionMask,
} from './attention.js';
export { attentionTolerance } from './attention.tolerance.js';
