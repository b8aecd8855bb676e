/**
 * Fast f32 log-softmax + gather over the vocabulary for the cpu backend (token logprob and entropy,
 * and the backward to the logits from upstream gradients of both): the plain-loop reference's math
 * (log-softmax-gather.reference.ts) on Float32Arrays, with one exp per logit per pass and the row
 * sums in f64. Same conventions: logits divided by the temperature; −∞ logits have p = 0 and zero
 * gradient; an all −∞ row has logprob −∞, entropy 0 and zero gradient.
 */
import type { LogSoftmaxDims } from './loss.shared.js';
import type { Floats, Ints } from '../arrays.js';

/** Row statistics: log-sum-exp, entropy, Σ exp(z − max); `scratch[j]` = exp(z_j − max), so p_j = scratch[j] / sum. */
function rowStats(
  logits: Float32Array,
  o: number,
  vocab: number,
  invT: number,
  scratch: Float64Array,
): { lse: number; entropy: number; sum: number } {
  let m = -Infinity;
  for (let j = 0; j < vocab; j++) {
    const z = logits[o + j]! * invT;
    if (z > m) m = z;
  }
  if (m === -Infinity) return { lse: -Infinity, entropy: 0, sum: 0 };
  let s = 0;
  let zs = 0;
  for (let j = 0; j < vocab; j++) {
    const z = logits[o + j]! * invT - m;
    const e = Math.exp(z);
    scratch[j] = e;
    // e·z is 0 for a −∞ logit (e = 0); skip it so that 0·(−∞) never makes a NaN.
    if (e !== 0) zs += e * z;
    s += e;
  }
  const logS = Math.log(s);
  // H = −Σ p·(z − log s) = log s − Σ e·z / s.
  return { lse: m + logS, entropy: logS - zs / s, sum: s };
}

/** Per-row results of the log-softmax: token logprob, entropy and log-sum-exp of logits / temperature. */
export interface LogSoftmaxRowStats {
  logprob: Float32Array;
  entropy: Float32Array;
  /** log Σ exp(z) per row (−∞ for an all −∞ row; f64, as the backward's p = exp(z − lse) needs it): what a later backward needs besides the entropy. */
  lse: Float64Array;
}

/**
 * Logprob, entropy and log-sum-exp of the rows of logits [tokens, vocab] at targets [tokens], written
 * into `out` from row `offset` on (so chunks of rows fill one set of arrays).
 */
export function logSoftmaxRowStatsInto(
  logits: Float32Array,
  targets: Ints,
  d: LogSoftmaxDims,
  out: LogSoftmaxRowStats,
  offset = 0,
): void {
  const invT = 1 / (d.temperature ?? 1);
  const scratch = new Float64Array(d.vocab);
  for (let r = 0; r < d.tokens; r++) {
    const o = r * d.vocab;
    const { lse, entropy: h } = rowStats(logits, o, d.vocab, invT, scratch);
    out.logprob[offset + r] = lse === -Infinity ? -Infinity : logits[o + targets[r]!]! * invT - lse;
    out.entropy[offset + r] = h;
    out.lse[offset + r] = lse;
  }
}

/** Token logprobs and entropies [tokens] of logits [tokens, vocab] at targets [tokens]. */
export function logSoftmaxGatherF32(
  logits: Float32Array,
  targets: Ints,
  d: LogSoftmaxDims,
): { logprob: Float32Array; entropy: Float32Array } {
  const out = {
    logprob: new Float32Array(d.tokens),
    entropy: new Float32Array(d.tokens),
    lse: new Float64Array(d.tokens),
  };
  logSoftmaxRowStatsInto(logits, targets, d, out);
  return { logprob: out.logprob, entropy: out.entropy };
}

/**
 * d loss/d z of one entry with probability p and log-probability logp = z − lse, from the row's
 * upstream gradients gl (of its logprob, without the target's 1[j = target] term) and ge (of its
 * entropy h). A p = 0 entry (a −∞ logit) gets no entropy term, so 0·(−∞) never makes a NaN.
 */
function entryGradient(p: number, logp: number, gl: number, ge: number, h: number): number {
  const g = -gl * p;
  return p === 0 ? g : g - ge * p * (logp + h);
}

/**
 * dlogits [tokens, vocab] of L with dL/dlogprob = gLogprob and dL/dentropy = gEntropy (null = zeros):
 * dz_j = gl·(1[j = target] − p_j) − ge·p_j·(log p_j + H), divided by the temperature.
 */
export function logSoftmaxGatherBackwardF32(
  logits: Float32Array,
  targets: Ints,
  gLogprob: Floats | null,
  gEntropy: Floats | null,
  d: LogSoftmaxDims,
): Float32Array {
  const invT = 1 / (d.temperature ?? 1);
  const dlogits = new Float32Array(logits.length);
  const scratch = new Float64Array(d.vocab);
  for (let r = 0; r < d.tokens; r++) {
    const gl = gLogprob ? gLogprob[r]! : 0;
    const ge = gEntropy ? gEntropy[r]! : 0;
    if (gl === 0 && ge === 0) continue;
    const o = r * d.vocab;
    const { lse, entropy: h, sum } = rowStats(logits, o, d.vocab, invT, scratch);
    if (lse === -Infinity) continue;
    const invSum = 1 / sum;
    for (let j = 0; j < d.vocab; j++) {
      const p = scratch[j]! * invSum;
      dlogits[o + j] = entryGradient(p, logits[o + j]! * invT - lse, gl, ge, h) * invT;
    }
    dlogits[o + targets[r]!]! += gl * invT;
  }
  return dlogits;
}

/** Which columns of the logits a {@link logSoftmaxGatherBackwardColumnsF32} call holds, and the rows' upstream. */
export interface LogitColumns {
  /** Rows (tokens) of the block. */
  tokens: number;
  /** First vocabulary column of the block. */
  from: number;
  /** Columns in the block. */
  width: number;
  /** Logits are divided by this (default 1). */
  temperature?: number;
}

/**
 * The backward of {@link logSoftmaxGatherBackwardF32} on a block of columns [from, from + width) of
 * every row, in place: `block` [tokens, width] holds the logits and receives their gradients. The rows'
 * log-sum-exp and entropy come from the forward ({@link logSoftmaxRowStatsInto}), so a block needs
 * no other column: the head's backward runs over vocabulary slices with only one slice of logits alive.
 */
export function logSoftmaxGatherBackwardColumnsF32(
  block: Float32Array,
  targets: Ints,
  stats: { lse: Float64Array; entropy: Float32Array },
  gLogprob: Floats,
  gEntropy: Floats,
  c: LogitColumns,
): void {
  const invT = 1 / (c.temperature ?? 1);
  for (let r = 0; r < c.tokens; r++) {
    const o = r * c.width;
    const gl = gLogprob[r]!;
    const ge = gEntropy[r]!;
    const lse = stats.lse[r]!;
    if ((gl === 0 && ge === 0) || lse === -Infinity) {
      block.fill(0, o, o + c.width);
      continue;
    }
    const h = stats.entropy[r]!;
    for (let j = 0; j < c.width; j++) {
      const logp = block[o + j]! * invT - lse;
      block[o + j] = entryGradient(Math.exp(logp), logp, gl, ge, h) * invT;
    }
    const t = targets[r]! - c.from;
    if (t >= 0 && t < c.width) block[o + t] = block[o + t]! + gl * invT;
  }
}
