/**
 * The one definition of RoPE's angles that every engine uses (the sampler's ONNX tables, the cpu and
 * compiled chains, the WebGPU decoder and the f64 reference), so a scaled config rotates q and k the
 * same way everywhere. Formulas follow transformers' `modeling_rope_utils` (plain, linear, dynamic NTK,
 * Llama 3, YaRN), evaluated in f64.
 *
 * Tables then round the way transformers' forward does: `inv_freq` is an f32 buffer and
 * position·inv_freq an f32 product, so positions in the thousands get transformers' angle rather than
 * a more exact one (at position 32767 the two differ by up to 2e-3 rad); cos/sin are evaluated in f64
 * and multiplied by the attention scaling (YaRN's gain, 1 otherwise).
 */
import type { RopeScaling } from './config-rope.js';

/** What RoPE's angles depend on: the matching fields of a {@link DecoderConfig}. */
export interface RopeConfig {
  headDim: number;
  ropeTheta: number;
  ropeScaling: RopeScaling | null;
  maxPositionEmbeddings: number;
}

/** Inverse frequencies [headDim/2] and the gain transformers applies to cos and sin. */
export interface RopeFrequencies {
  invFreq: Float64Array;
  attentionScaling: number;
}

/** θ^(−2i/d) for i < d/2: plain RoPE's inverse frequencies. */
function plainInvFreq(base: number, d: number): Float64Array {
  const out = new Float64Array(d / 2);
  for (let i = 0; i < out.length; i++) out[i] = 1 / Math.pow(base, (2 * i) / d);
  return out;
}

/** YaRN's cos/sin gain: 0.1·m·ln(s) + 1 above s = 1. */
function yarnMscale(scale: number, m = 1): number {
  return scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1;
}

/**
 * Inverse frequencies and attention scaling of a config, in f64. `seqLen` (one past the largest
 * position in the batch) matters only to dynamic NTK, which rescales the base once it exceeds
 * max_position_embeddings; transformers keeps the largest length it has seen, this function is
 * stateless (identical while no batch runs past max_position_embeddings).
 */
export function ropeFrequencies(c: RopeConfig, seqLen = c.maxPositionEmbeddings): RopeFrequencies {
  const d = c.headDim;
  const base = c.ropeTheta;
  const s = c.ropeScaling;
  if (s === null) return { invFreq: plainInvFreq(base, d), attentionScaling: 1 };
  switch (s.ropeType) {
    case 'linear':
      return { invFreq: plainInvFreq(base, d).map((f) => f / s.factor), attentionScaling: 1 };
    case 'dynamic': {
      const max = c.maxPositionEmbeddings;
      if (seqLen <= max) return { invFreq: plainInvFreq(base, d), attentionScaling: 1 };
      const grown = base * Math.pow((s.factor * seqLen) / max - (s.factor - 1), d / (d - 2));
      return { invFreq: plainInvFreq(grown, d), attentionScaling: 1 };
    }
    case 'llama3':
      return { invFreq: llama3InvFreq(plainInvFreq(base, d), s), attentionScaling: 1 };
    case 'yarn':
      return yarn(c, s);
  }
}

/**
 * Llama 3.1: wavelengths 2π/f shorter than original/high_freq_factor keep f, longer than
 * original/low_freq_factor get f/factor, and the band between blends the two linearly in original/λ.
 */
function llama3InvFreq(plain: Float64Array, s: Extract<RopeScaling, { ropeType: 'llama3' }>): Float64Array {
  const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  return plain.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highWavelen) return f;
    if (wavelen > lowWavelen) return f / s.factor;
    const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    return ((1 - smooth) * f) / s.factor + smooth * f;
  });
}

/**
 * YaRN: dimensions that turn fewer than beta_slow times over the original context are interpolated
 * (f/factor), those turning more than beta_fast times keep f, with a linear ramp between; cos/sin are
 * multiplied by the attention factor.
 */
function yarn(c: RopeConfig, s: Extract<RopeScaling, { ropeType: 'yarn' }>): RopeFrequencies {
  const d = c.headDim;
  const base = c.ropeTheta;
  const original = s.originalMaxPositionEmbeddings ?? c.maxPositionEmbeddings;
  let attentionScaling = s.attentionFactor;
  if (attentionScaling === undefined) {
    attentionScaling =
      s.mscale && s.mscaleAllDim
        ? yarnMscale(s.factor, s.mscale) / yarnMscale(s.factor, s.mscaleAllDim)
        : yarnMscale(s.factor);
  }
  // The dimension index at which a frequency completes `rotations` turns over the original context.
  const correctionDim = (rotations: number): number =>
    (d * Math.log(original / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
  const truncate = s.truncate ?? true;
  let low = correctionDim(s.betaFast ?? 32);
  let high = correctionDim(s.betaSlow ?? 1);
  if (truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, d - 1);
  if (low === high) high += 0.001;
  const invFreq = plainInvFreq(base, d).map((f, i) => {
    const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
    const keep = 1 - ramp; // share of the unscaled (extrapolated) frequency
    return (f / s.factor) * (1 - keep) + f * keep;
  });
  return { invFreq, attentionScaling };
}

/**
 * cos/sin tables [positions.length, headDim/2] of the rotate-half RoPE: angle = f32(f32(pos)·f32(f)),
 * cos/sin in f64 times the attention scaling. Dynamic NTK sizes itself from the largest position.
 */
export function ropeCosSin(c: RopeConfig, positions: ArrayLike<number>): { cos: Float64Array; sin: Float64Array } {
  let maxPosition = -1;
  for (let t = 0; t < positions.length; t++) maxPosition = Math.max(maxPosition, positions[t]!);
  const { invFreq, attentionScaling } = ropeFrequencies(c, maxPosition + 1);
  const half = invFreq.length;
  const f32 = Float32Array.from(invFreq);
  const cos = new Float64Array(positions.length * half);
  const sin = new Float64Array(positions.length * half);
  for (let t = 0; t < positions.length; t++) {
    const p = Math.fround(positions[t]!);
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * f32[i]!);
      cos[t * half + i] = Math.cos(angle) * attentionScaling;
      sin[t * half + i] = Math.sin(angle) * attentionScaling;
    }
  }
  return { cos, sin };
}
