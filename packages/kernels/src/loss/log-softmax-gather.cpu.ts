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

/** Token logprobs and entropies [tokens] of logits [tokens, vocab] at targets [tokens]. */
export function logSoftmaxGatherF32(
  logits: Float32Array,
  targets: Ints,
  d: LogSoftmaxDims,
): { logprob: Float32Array; entropy: Float32Array } {
  const invT = 1 / (d.temperature ?? 1);
  const logprob = new Float32Array(d.tokens);
  const entropy = new Float32Array(d.tokens);
  const scratch = new Float64Array(d.vocab);
  for (let r = 0; r < d.tokens; r++) {
    const o = r * d.vocab;
    const { lse, entropy: h } = rowStats(logits, o, d.vocab, invT, scratch);
    logprob[r] = lse === -Infinity ? -Infinity : logits[o + targets[r]!]! * invT - lse;
    entropy[r] = h;
  }
  return { logprob, entropy };
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
      let g = -gl * p;
      if (p !== 0) g -= ge * p * (logits[o + j]! * invT - lse + h);
      dlogits[o + j] = g * invT;
    }
    dlogits[o + targets[r]!]! += gl * invT;
  }
  return dlogits;
}
