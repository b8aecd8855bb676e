/** What the global gradient norm's implementations (reference and WGSL) share: PyTorch's clip coefficient guard. */

/** PyTorch's additive guard in the clip coefficient maxNorm / (norm + 1e-6). */
export const CLIP_NORM_EPS = 1e-6;
