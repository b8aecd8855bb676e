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

/**
 * The token ids kept by the truncations: most likely first (ties: lower id first) when top-k or top-p ranked them, else in id order.
 *
 * The result is the same as ranking the whole vocabulary with a comparison sort, but the vocabulary is not
 * sorted: top-k selects its k tokens with a bounded heap (O(n log k)) and sorts only those; top-p without
 * top-k finds the crossing value on a natively sorted copy of the log-probabilities (no comparator calls)
 * and ranks only the ids at or above it. The probability mass is summed most-likely-first in both cases,
 * exactly as a full ranking would, so the kept set is identical bit for bit.
 */
export function keptTokens(logprobs: Float64Array, options: TruncationOptions): number[] {
  const n = logprobs.length;
  const { topK, topP, minP } = options;
  let kept: number[];
  if (topK > 0 || topP < 1) {
    if (topK > 0) {
      kept = topKIds(logprobs, topK);
      if (topP < 1) kept = kept.slice(0, topPCount(logprobs, kept, topP));
    } else {
      kept = topPIds(logprobs, topP);
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

/** The ranking every truncation refers to: more likely first, ties (equal log-probabilities, also -∞) by lower id. */
function ranksBefore(logprobs: Float64Array, a: number, b: number): boolean {
  const la = logprobs[a]!;
  const lb = logprobs[b]!;
  return la > lb || (la === lb && a < b);
}

/** Sorts `ids` in ranking order. */
function rank(logprobs: Float64Array, ids: number[]): number[] {
  return ids.sort((a, b) => logprobs[b]! - logprobs[a]! || a - b);
}

/** The k first ids of the ranking, in ranking order: a bounded heap whose root is the worst of the best k so far. */
function topKIds(logprobs: Float64Array, k: number): number[] {
  const n = logprobs.length;
  const all = (): number[] => Array.from({ length: n }, (_, i) => i);
  if (k >= n) return rank(logprobs, all());
  const heap = new Int32Array(k);
  // The first k ids, heapified so that every parent ranks after its children.
  for (let i = 0; i < k; i++) heap[i] = i;
  for (let i = (k >> 1) - 1; i >= 0; i--) siftDown(logprobs, heap, i, k);
  for (let id = k; id < n; id++) {
    if (!ranksBefore(logprobs, id, heap[0]!)) continue;
    heap[0] = id;
    siftDown(logprobs, heap, 0, k);
  }
  return rank(logprobs, Array.from(heap));
}

function siftDown(logprobs: Float64Array, heap: Int32Array, at: number, size: number): void {
  let i = at;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= size) return;
    const right = left + 1;
    // The child that ranks last moves up, so the root stays the worst kept id.
    let worst = left;
    if (right < size && ranksBefore(logprobs, heap[left]!, heap[right]!)) worst = right;
    if (!ranksBefore(logprobs, heap[i]!, heap[worst]!)) return;
    const t = heap[i]!;
    heap[i] = heap[worst]!;
    heap[worst] = t;
    i = worst;
  }
}

/** How many of the ranked `kept` ids top-p keeps: until the renormalised cumulative probability reaches topP (the crossing token stays). */
function topPCount(logprobs: Float64Array, kept: number[], topP: number): number {
  let mass = 0;
  for (const id of kept) mass += Math.exp(logprobs[id]!);
  let cumulative = 0;
  let count = 0;
  while (count < kept.length) {
    cumulative += Math.exp(logprobs[kept[count]!]!) / mass;
    count++;
    if (cumulative >= topP) break;
  }
  return count;
}

/**
 * Top-p over the whole vocabulary, ranked. The mass and the cumulative sums depend only on the values in
 * ranking order (tied ids add equal terms), so they are computed on a copy sorted natively; the crossing
 * value then bounds the kept set, and only the ids at or above it are ranked.
 */
function topPIds(logprobs: Float64Array, topP: number): number[] {
  const n = logprobs.length;
  const sorted = Float64Array.from(logprobs).sort(); // ascending; ranking order is from the end
  let mass = 0;
  for (let i = n - 1; i >= 0; i--) mass += Math.exp(sorted[i]!);
  let cumulative = 0;
  let count = 0;
  while (count < n) {
    cumulative += Math.exp(sorted[n - 1 - count]!) / mass;
    count++;
    if (cumulative >= topP) break;
  }
  const crossing = sorted[n - count]!;
  const candidates: number[] = [];
  for (let id = 0; id < n; id++) if (logprobs[id]! >= crossing) candidates.push(id);
  return rank(logprobs, candidates).slice(0, count);
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
