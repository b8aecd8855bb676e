export {
  embeddingForwardGpu,
  embeddingBackwardGpu,
  planEmbeddingForward,
  planEmbeddingBackward,
  embeddingCsr,
  checkedIds,
  embeddingSpec,
  EMBEDDING_WGSL,
  EMBEDDING_PARAMS,
} from './embedding.js';
export type { TokenIds } from './embedding.js';
