/** The shape of an attention call, shared by the reference, the fast CPU attention and the WGSL kernels. */

/** Shape of an attention call (HF config names). */
export interface AttentionDims {
  /** Number of sequences. */
  batch: number;
  /** Sequence length (padded). */
  seq: number;
  /** num_attention_heads. */
  numHeads: number;
  /** num_key_value_heads (divides numHeads). */
  numKvHeads: number;
  /** head_dim. */
  headDim: number;
}
