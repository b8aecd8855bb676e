/**
 * Rotary position embedding, Hugging Face rotate-half convention (Llama/Qwen2 `apply_rotary_pos_emb`):
 *   out = x·cos + rotate_half(x)·sin, rotate_half([x1, x2]) = [−x2, x1] (halves of head_dim), so for
 *   i < d/2: out_i = x_i·c_i − x_{i+d/2}·s_i and out_{i+d/2} = x_{i+d/2}·c_i + x_i·s_i,
 *   angle_i(pos) = pos · inv_freq_i, inv_freq_i = 1 / rope_theta^(2i/d) before rope_scaling, and
 *   cos/sin multiplied by the scaling's attention factor (YaRN; 1 otherwise): @rlvr/core's `ropeCosSin`.
 *
 * Layout: x, out are [tokens, heads, headDim] row-major (tokens = batch·seq, i.e. the q_proj/k_proj
 * output reshaped); positions [tokens] gives each token's position id, so left padding works
 * (see {@link positionsFromMask}). headDim must be even.
 * Numerics: angles follow HF's f32 computation (inv_freq, computed in f64, and pos·inv_freq rounded to
 * f32) so large positions give the same angle HF does; cos/sin are then evaluated in f64 and the
 * rotation accumulates in f64. Angles are constants (not differentiated). NaN/±∞ in x propagate.
 * Backward is the transpose (the inverse rotation, scaled by the same factor): dx_i = dy_i·c + dy_{i+d/2}·s,
 * dx_{i+d/2} = −dy_i·s + dy_{i+d/2}·c.
 */
import { type Floats, type Ints, allocLike, at, requireInt, requireLength } from '../arrays.js';
import { type RopeDims, ropeTables } from './rope.shared.js';

function apply<T extends Floats>(x: T, positions: Ints, d: RopeDims, sign: 1 | -1, name: string): T {
  requireInt('tokens', d.tokens, 0);
  requireInt('heads', d.heads, 1);
  const headDim = d.rope.headDim;
  requireLength(name, x, d.tokens * d.heads * headDim, '[tokens, heads, headDim]');
  requireLength('positions', positions, d.tokens, '[tokens]');
  const { cos, sin } = ropeTables(positions, d.rope);
  const half = headDim / 2;
  const out = allocLike(x, x.length);
  for (let t = 0; t < d.tokens; t++) {
    for (let h = 0; h < d.heads; h++) {
      const o = (t * d.heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const c = at(cos, t * half + i);
        const s = sign * at(sin, t * half + i);
        const a = at(x, o + i);
        const b = at(x, o + i + half);
        out[o + i] = a * c - b * s;
        out[o + i + half] = b * c + a * s;
      }
    }
  }
  return out;
}

/** RoPE forward: rotate x [tokens, heads, headDim] by each token's position. */
export function ropeForward<T extends Floats>(x: T, positions: Ints, d: RopeDims): T {
  return apply(x, positions, d, 1, 'x');
}

/** RoPE backward: dx = Rᵀ·dy, the rotation by the negated angle. */
export function ropeBackward<T extends Floats>(dy: T, positions: Ints, d: RopeDims): T {
  return apply(dy, positions, d, -1, 'dy');
}
