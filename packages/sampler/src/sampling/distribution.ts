/**
 * The next-token distribution: log-softmax with temperature, the top-k / top-p / min-p truncations and
 * drawing a token. Pure functions over one row of logits, accumulated in f64.
 *
 * Convention (as Hugging Face transformers' warpers, in this order): temperature first; then top-k keeps
 * the k most likely tokens; top-p keeps the smallest most-likely-first set whose probability reaches p
 * (measured after top-k, renormalised); min-p keeps tokens with probability ≥ minP · max probability.
 * Ties are broken by the lower token id, so the kept set is a deterministic function of the logits.
 */
import type { SeededRandom } from '@rlvr/core';

/** The truncations applied before drawing (0 / 1 / 0 disable them). */
export interface TruncationOptions {
  /** Keep the k most likely tokens; 0 = off. */
  topK: number;
  /** Keep the smallest set with cumulative probability ≥ topP; 1 = off. */
  topP: number;
  /** Keep tokens with probability ≥ minP × the largest probability; 0 = off. */
  minP: number;
}

/** log softmax(logits / temperature) in f64; temperature must be > 0. */
export function logSoftmax(
  logits: ArrayLike<number>,
  temperature = 1,
  offset = 0,
  length = logits.length - offset,
): Float64Array {
  const out = new Float64Array(length);
  let max = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = logits[offset + i]! / temperature;
    out[i] = v;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Math.exp(out[i]! - max);
  const logZ = max + Math.log(sum);
  for (let i = 0; i < length; i++) out[i] = out[i]! - logZ;
  return out;
}

/** Index of the largest value (the lowest index among ties). */
export function argmax(values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (values[offset + i]! > values[offset + best]!) best = i;
  return best;
}

/** The token ids kept by the truncations: most likely first (ties: lower id first) when top-k or top-p ranked them, else in id order. */
export function keptTokens(logprobs: Float64Array, options: TruncationOptions): number[] {
  const n = logprobs.length;
  const { topK, topP, minP } = options;
  let kept: number[];
  if (topK > 0 || topP < 1) {
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => logprobs[b]! - logprobs[a]! || a - b);
    kept = topK > 0 ? order.slice(0, topK) : order;
    if (topP < 1) {
      let mass = 0;
      for (const id of kept) mass += Math.exp(logprobs[id]!);
      let cumulative = 0;
      let count = 0;
      // Include tokens until the renormalised cumulative probability reaches topP (the crossing token stays).
      while (count < kept.length) {
        cumulative += Math.exp(logprobs[kept[count]!]!) / mass;
        count++;
        if (cumulative >= topP) break;
      }
      kept = kept.slice(0, count);
    }
  } else {
    // No ranking needed: min-p only compares with the maximum. Kept in id order (drawToken does not care).
    kept = Array.from({ length: n }, (_, i) => i);
    if (minP > 0) {
      const threshold = logprobs[argmax(logprobs)]! + Math.log(minP);
      return kept.filter((id) => logprobs[id]! >= threshold);
    }
    return kept;
  }
  if (minP > 0) {
    const threshold = logprobs[kept[0]!]! + Math.log(minP);
    kept = kept.filter((id) => logprobs[id]! >= threshold);
  }
  return kept;
}

/** True when the options keep every token (no ranking or filtering needed). */
export function keepsAll(options: TruncationOptions): boolean {
  return options.topK === 0 && options.topP >= 1 && options.minP === 0;
}

/**
 * Draws one token from `logprobs` restricted to `kept` (renormalised; null = every token, which skips
 * building an id list on the common untruncated path), using one uniform from `rng`.
 */
export function drawToken(logprobs: Float64Array, kept: number[] | null, rng: SeededRandom): number {
  if (kept === null) {
    // log-probabilities of a full log-softmax: the mass is 1 up to rounding, handled by the last-token fallback.
    const u = rng.next();
    let cumulative = 0;
    for (let id = 0; id < logprobs.length; id++) {
      cumulative += Math.exp(logprobs[id]!);
      if (u < cumulative) return id;
    }
    return logprobs.length - 1;
  }
  let mass = 0;
  for (const id of kept) mass += Math.exp(logprobs[id]!);
  const u = rng.next() * mass;
  let cumulative = 0;
  for (const id of kept) {
    cumulative += Math.exp(logprobs[id]!);
    if (u < cumulative) return id;
  }
  // Rounding can leave u just above the last cumulative sum; the last kept token is then the draw.
  return kept[kept.length - 1]!;
}
