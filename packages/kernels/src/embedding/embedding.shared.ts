/** The shape of an embedding call, shared by the reference, the fast CPU ops and the WGSL kernel. */

/** Shape of an embedding call. */
export interface EmbeddingDims {
  /** vocab_size (rows of the table). */
  vocab: number;
  /** hidden_size (row length). */
  hidden: number;
}
