/** Fast f32 RoPE for the cpu backend, in place with precomputed tables; same maths as rope.reference.ts (bit for bit). */

/**
 * RoPE in place on x [tokens, heads, headDim] with precomputed tables cos/sin [tokens, headDim/2]
 * (the reference's `ropeTables`, built once per forward and shared by q, k and both backwards).
 * sign 1: forward rotation; −1: backward (the transpose).
 */
export function ropeInPlace(
  x: Float32Array,
  cos: Float64Array,
  sin: Float64Array,
  tokens: number,
  heads: number,
  headDim: number,
  sign: 1 | -1,
): void {
  const half = headDim >> 1;
  for (let t = 0; t < tokens; t++) {
    const tb = t * half;
    for (let h = 0; h < heads; h++) {
      const o = (t * heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const c = cos[tb + i]!;
        const s = sign * sin[tb + i]!;
        const a = x[o + i]!;
        const b = x[o + i + half]!;
        x[o + i] = a * c - b * s;
        x[o + i + half] = b * c + a * s;
      }
    }
  }
}
