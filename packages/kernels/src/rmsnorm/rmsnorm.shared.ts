/** The shape of an RMSNorm call, shared by the reference, the fast CPU ops and the WGSL kernels. */

/** Shape and epsilon of an RMSNorm call. */
export interface RmsNormDims {
  /** Number of rows (tokens). */
  rows: number;
  /** Row length (hidden_size). */
  hidden: number;
  /** `rms_norm_eps` from config.json (e.g. 1e-6). */
  eps: number;
}
