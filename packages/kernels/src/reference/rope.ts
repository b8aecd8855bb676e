/**
 * Rotary position embedding, Hugging Face rotate-half convention (Llama/Qwen2 `apply_rotary_pos_emb`):
 *   out = x·cos + rotate_half(x)·sin, rotate_half([x1, x2]) = [−x2, x1] (halves of head_dim), so for
 *   i < d/2: out_i = x_i·c_i − x_{i+d/2}·s_i and out_{i+d/2} = x_{i+d/2}·c_i + x_i·s_i,
 *   angle_i(pos) = pos · inv_freq_i, inv_freq_i = 1 / rope_theta^(2i/d).
 *
 * Layout: x, out are [tokens, heads, headDim] row-major (tokens = batch·seq, i.e. the q_proj/k_proj
 * output reshaped); positions [tokens] gives each token's position id, so left padding works
 * (see {@link positionsFromMask}). headDim must be even.
 * Numerics: angles follow HF's f32 computation (inv_freq and pos·inv_freq rounded to f32 with
 * Math.fround) so large positions give the same angle HF does; cos/sin are then evaluated in f64 and
 * the rotation accumulates in f64. Angles are constants (not differentiated). NaN/±∞ in x propagate.
 * Backward is the inverse rotation (transpose): dx_i = dy_i·c + dy_{i+d/2}·s,
 * dx_{i+d/2} = −dy_i·s + dy_{i+d/2}·c.
 */
import { type Floats, type Ints, KernelReferenceError, allocLike, at, requireInt, requireLength } from './common.js';

/** Shape and base of a RoPE call. */
export interface RopeDims {
  /** Number of tokens (batch·seq). */
  tokens: number;
  /** Heads in this tensor (num_attention_heads for q, num_key_value_heads for k). */
  heads: number;
  /** Per-head dimension (even). */
  headDim: number;
  /** `rope_theta` from config.json (10000 for Llama 2, 1e6 for Qwen2). */
  theta: number;
}

/** cos/sin tables [tokens, headDim/2] in f64, from HF's f32-rounded angles. */
export function ropeTables(positions: Ints, headDim: number, theta: number): { cos: Float64Array; sin: Float64Array } {
  requireInt('headDim', headDim, 2);
  if (headDim % 2 !== 0) throw new KernelReferenceError('headDim', `expected an even number, got ${headDim}`);
  const half = headDim / 2;
  const cos = new Float64Array(positions.length * half);
  const sin = new Float64Array(positions.length * half);
  const invFreq = new Float64Array(half);
  for (let i = 0; i < half; i++) {
    // HF: 1.0 / (base ** (arange(0, dim, 2).float() / dim)) — every step in f32.
    const exponent = Math.fround((2 * i) / headDim);
    invFreq[i] = Math.fround(1 / Math.fround(Math.pow(theta, exponent)));
  }
  for (let t = 0; t < positions.length; t++) {
    const p = at(positions, t);
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(Math.fround(p) * at(invFreq, i));
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

function apply<T extends Floats>(x: T, positions: Ints, d: RopeDims, sign: 1 | -1, name: string): T {
  requireInt('tokens', d.tokens, 0);
  requireInt('heads', d.heads, 1);
  requireLength(name, x, d.tokens * d.heads * d.headDim, '[tokens, heads, headDim]');
  requireLength('positions', positions, d.tokens, '[tokens]');
  const { cos, sin } = ropeTables(positions, d.headDim, d.theta);
  const half = d.headDim / 2;
  const out = allocLike(x, x.length);
  for (let t = 0; t < d.tokens; t++) {
    for (let h = 0; h < d.heads; h++) {
      const o = (t * d.heads + h) * d.headDim;
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

/**
 * Position ids from an attention mask [batch, seq] (1 = token, 0 = padding), as HF `generate` builds
 * them: cumsum(mask) − 1 along the sequence, and 1 at padded slots (their value never matters because
 * padded keys are masked). Left-padded prompts thus start at position 0.
 */
export function positionsFromMask(mask: Ints, batch: number, seq: number): Int32Array {
  requireLength('mask', mask, batch * seq, '[batch, seq]');
  const pos = new Int32Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    let c = 0;
    for (let s = 0; s < seq; s++) {
      const m = at(mask, b * seq + s);
      c += m;
      pos[b * seq + s] = m === 0 ? 1 : c - 1;
    }
  }
  return pos;
}
