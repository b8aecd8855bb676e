/**
 * What every RoPE implementation shares (reference, fast CPU, WGSL, both decoders): the call's shape,
 * the cos/sin tables (@rlvr/core's `ropeCosSin`: scaled frequencies, Hugging Face's f32-rounded angles),
 * and position ids from a padding mask. See rope.reference.ts for the rotation itself.
 */
import { ropeCosSin, type RopeConfig } from '@rlvr/core';
import { type Ints, at, requireInt, requireLength } from '../arrays.js';
import { KernelReferenceError } from '../errors.js';

/** Shape and angles of a RoPE call. */
export interface RopeDims {
  /** Number of tokens (batch·seq). */
  tokens: number;
  /** Heads in this tensor (num_attention_heads for q, num_key_value_heads for k). */
  heads: number;
  /** headDim, rope_theta, rope_scaling and max_position_embeddings (a DecoderConfig fits). */
  rope: RopeConfig;
}

/** Plain (unscaled) RoPE of `headDim` and base `theta`, for tests and benchmarks without a model config. */
export function plainRope(headDim: number, theta: number): RopeConfig {
  return { headDim, ropeTheta: theta, ropeScaling: null, maxPositionEmbeddings: 1 << 20 };
}

/** cos/sin tables [tokens, headDim/2] in f64 from @rlvr/core's one definition of the angles ({@link ropeCosSin}). */
export function ropeTables(positions: Ints, rope: RopeConfig): { cos: Float64Array; sin: Float64Array } {
  // A public reference function: a missing config is a usage error, not a TypeError from deep inside.
  if (typeof rope !== 'object' || rope === null) {
    throw new KernelReferenceError(
      'rope',
      'expected a RoPE config { headDim, ropeTheta, ropeScaling, maxPositionEmbeddings }',
    );
  }
  requireInt('headDim', rope.headDim, 2);
  if (rope.headDim % 2 !== 0) throw new KernelReferenceError('headDim', `expected an even number, got ${rope.headDim}`);
  return ropeCosSin(rope, positions);
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
