/**
 * Fused log-softmax + gather over the vocabulary: per token, the logprob of its target id and the
 * entropy of the whole distribution, without materialising the log-softmax row.
 *
 * Algorithm (two passes over each row, as the reference; the fused GPU kernel reads the row once with
 * an online max/sum-exp): z = logits / temperature, m = max z, lse = m + log Σ exp(z − m),
 * logprob = z[target] − lse, entropy H = lse − Σ p·z with p = exp(z − lse).
 * Backward, with upstream gLogprob and gEntropy per token:
 *   dlogits_j = (gLogprob·(δ_{j,target} − p_j) − gEntropy·p_j·(log p_j + H)) / temperature.
 *
 * Layout: logits, dlogits [tokens, vocab] row-major; targets, logprob, entropy, gLogprob, gEntropy
 * [tokens]. Targets outside [0, vocab) throw.
 * Numerics: every sum in f64 after max subtraction, so logits of ±1e4 are exact to f64 rounding.
 * −∞ logits are masked vocabulary entries: p = 0, they add 0 to the entropy (0·log 0 := 0) and get a
 * zero gradient; a −∞ target gives logprob −∞ (honest: that token was impossible).
 * A row of all −∞ has no distribution: logprob −∞, entropy 0, gradient 0 (never NaN).
 * NaN or +∞ logits make that row NaN (not guarded; upstream must not produce them).
 */
import { type Floats, type Ints, allocLike, at, requireInt, requireLength } from '../arrays.js';
import { KernelReferenceError } from '../errors.js';
import type { LogSoftmaxDims } from './loss.shared.js';

function check(logits: Floats, targets: Ints, d: LogSoftmaxDims): number {
  requireInt('tokens', d.tokens, 0);
  requireInt('vocab', d.vocab, 1);
  requireLength('logits', logits, d.tokens * d.vocab, '[tokens, vocab]');
  requireLength('targets', targets, d.tokens, '[tokens]');
  for (let t = 0; t < d.tokens; t++) {
    const id = at(targets, t);
    if (!Number.isInteger(id) || id < 0 || id >= d.vocab) {
      throw new KernelReferenceError(`targets[${t}]`, `expected a token id in [0, ${d.vocab}), got ${id}`);
    }
  }
  const temperature = d.temperature ?? 1;
  if (!(temperature > 0 && Number.isFinite(temperature))) {
    throw new KernelReferenceError('temperature', `expected a finite number > 0, got ${temperature}`);
  }
  return temperature;
}

/** log Σ exp(z) of row r (z = logits/temperature), f64; −∞ for an all −∞ row. */
function rowLse(logits: Floats, r: number, vocab: number, temperature: number): number {
  const o = r * vocab;
  let m = -Infinity;
  for (let j = 0; j < vocab; j++) m = Math.max(m, at(logits, o + j) / temperature);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let j = 0; j < vocab; j++) s += Math.exp(at(logits, o + j) / temperature - m);
  return m + Math.log(s);
}

/** Entropy −Σ p log p of row r given its lse (0·log 0 := 0). */
function rowEntropy(logits: Floats, r: number, vocab: number, temperature: number, lse: number): number {
  if (lse === -Infinity) return 0;
  const o = r * vocab;
  let h = 0;
  for (let j = 0; j < vocab; j++) {
    const lp = at(logits, o + j) / temperature - lse;
    if (lp !== -Infinity) h -= Math.exp(lp) * lp;
  }
  return h;
}

/** Forward: token logprobs [tokens] and entropies [tokens] (arrays of the logits' kind). */
export function logSoftmaxGatherForward<T extends Floats>(
  logits: T,
  targets: Ints,
  d: LogSoftmaxDims,
): { logprob: T; entropy: T } {
  const temperature = check(logits, targets, d);
  const logprob = allocLike(logits, d.tokens);
  const entropy = allocLike(logits, d.tokens);
  for (let r = 0; r < d.tokens; r++) {
    const lse = rowLse(logits, r, d.vocab, temperature);
    logprob[r] = lse === -Infinity ? -Infinity : at(logits, r * d.vocab + at(targets, r)) / temperature - lse;
    entropy[r] = rowEntropy(logits, r, d.vocab, temperature, lse);
  }
  return { logprob, entropy };
}

/** Backward: dlogits [tokens, vocab] from upstream gradients of logprob and entropy (null = zeros). */
export function logSoftmaxGatherBackward<T extends Floats>(
  logits: T,
  targets: Ints,
  gLogprob: Floats | null,
  gEntropy: Floats | null,
  d: LogSoftmaxDims,
): T {
  const temperature = check(logits, targets, d);
  if (gLogprob) requireLength('gLogprob', gLogprob, d.tokens, '[tokens]');
  if (gEntropy) requireLength('gEntropy', gEntropy, d.tokens, '[tokens]');
  const dlogits = allocLike(logits, logits.length);
  for (let r = 0; r < d.tokens; r++) {
    const lse = rowLse(logits, r, d.vocab, temperature);
    if (lse === -Infinity) continue;
    const h = rowEntropy(logits, r, d.vocab, temperature, lse);
    const gl = gLogprob ? at(gLogprob, r) : 0;
    const ge = gEntropy ? at(gEntropy, r) : 0;
    const o = r * d.vocab;
    const target = at(targets, r);
    for (let j = 0; j < d.vocab; j++) {
      const lp = at(logits, o + j) / temperature - lse;
      const p = Math.exp(lp);
      let g = -gl * p;
      if (j === target) g += gl;
      if (lp !== -Infinity) g -= ge * p * (lp + h);
      dlogits[o + j] = g / temperature;
    }
  }
  return dlogits;
}
