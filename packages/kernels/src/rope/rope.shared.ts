/**
 * What every RoPE implementation shares (reference, fast CPU, WGSL, both decoders): the call's shape,
 * the cos/sin tables from Hugging Face's f32-rounded angles, and position ids from a padding mask.
 * See rope.reference.ts for the rotation itself.
 */
import { type Ints, at, requireInt, requireLength } from '../arrays.js';
import { KernelReferenceError } from '../errors.js';

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
