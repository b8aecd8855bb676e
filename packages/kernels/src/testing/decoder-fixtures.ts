/**
 * Fixtures of the whole-model tests (CPU model, compiled graphs): weights whose activations and
 * gradients are O(1), a small left-padded batch, and the two norms the comparisons use.
 */
import {
  type DecoderConfig,
  type NamedTensors,
  SeededRandom,
  initWeights,
  parameterSpecs,
  parseDecoderConfig,
} from '@rlvr/core';

/**
 * The whole-model tests' tiny config, covering the awkward cases: Qwen2 (q/k/v bias), GQA (4 heads on
 * 2 kv heads), 2 layers, an odd vocabulary of 11 (≥ {@link PADDED_BATCH}'s ids); `extra` overrides any
 * `config.json` key.
 */
export function tinyDecoderConfig(extra: Record<string, unknown> = {}): DecoderConfig {
  return parseDecoderConfig({
    model_type: 'qwen2',
    hidden_size: 16,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    intermediate_size: 24,
    vocab_size: 11,
    ...extra,
  });
}

/**
 * Weights with O(1) activations and gradients (std 0.3, norm gains ≠ 1, biases ≠ 0): HF's 0.02 init would
 * make every gradient ~1e-3 and a check relative to 1 nearly vacuous.
 */
export function livelyWeights(c: DecoderConfig, seed: number): NamedTensors {
  const w = initWeights(c, seed, 0.3);
  const rng = new SeededRandom(seed + 1);
  for (const s of parameterSpecs(c)) {
    const d = w[s.name]!.data;
    if (s.kind === 'norm') for (let i = 0; i < d.length; i++) d[i] = 1 + 0.3 * (2 * rng.next() - 1);
    if (s.kind === 'bias') for (let i = 0; i < d.length; i++) d[i] = 0.2 * (2 * rng.next() - 1);
  }
  return w;
}

/**
 * A [2, 5] batch for vocabularies of ≥ 11 tokens: row 1 is left-padded by two slots, and token ids
 * repeat so the embedding's scatter-add is exercised.
 */
export const PADDED_BATCH = {
  batch: 2,
  seq: 5,
  tokens: Int32Array.from([3, 7, 1, 3, 10, 0, 0, 5, 3, 9]),
  mask: Int32Array.from([1, 1, 1, 1, 1, 0, 0, 1, 1, 1]),
} as const;

/** max |aᵢ|. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** max |aᵢ − bᵢ|. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
