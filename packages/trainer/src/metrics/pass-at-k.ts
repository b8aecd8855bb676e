/**
 * pass@k and mean@k over prompts with n samples each, c of them correct.
 *
 * pass@k is the unbiased estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained
 * on Code", eq. 1): the probability that at least one of k samples drawn without replacement from
 * the n is correct, 1 − C(n−c, k) / C(n, k). It is evaluated as 1 − ∏_{i=n−c+1}^{n} (1 − k/i),
 * the numerically stable product form given in the same paper, which never forms the binomials.
 */
import { MetricsError } from './metrics-error.js';

/** One prompt's evaluation: n samples, c correct. */
export interface SampleCounts {
  /** Samples drawn (n ≥ 1). */
  n: number;
  /** Correct samples (0 ≤ c ≤ n). */
  c: number;
}

function checkCounts(n: number, c: number, where: string): void {
  if (!Number.isInteger(n) || n < 1) throw new MetricsError(where, `expected n an integer ≥ 1, got ${n}`);
  if (!Number.isInteger(c) || c < 0 || c > n) {
    throw new MetricsError(where, `expected c an integer in [0, n = ${n}], got ${c}`);
  }
}

/** Unbiased pass@k of one prompt with `n` samples of which `c` are correct (k ≤ n). */
export function passAtK(n: number, c: number, k: number): number {
  checkCounts(n, c, 'passAtK');
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new MetricsError('passAtK', `expected k an integer in [1, n = ${n}], got ${k}`);
  }
  // Fewer than k wrong samples: every k-subset holds a correct one.
  if (n - c < k) return 1;
  let allWrong = 1;
  for (let i = n - c + 1; i <= n; i++) allWrong *= 1 - k / i;
  return 1 - allWrong;
}

/** pass@k averaged over prompts. */
export function meanPassAtK(results: readonly SampleCounts[], k: number): number {
  if (results.length === 0) throw new MetricsError('meanPassAtK', 'expected at least one prompt');
  let sum = 0;
  results.forEach((r, i) => {
    checkCounts(r.n, r.c, `meanPassAtK: results[${i}]`);
    sum += passAtK(r.n, r.c, k);
  });
  return sum / results.length;
}

/** mean@k: the share of correct samples per prompt, averaged over prompts (verl's `mean@N`). */
export function meanAtK(results: readonly SampleCounts[]): number {
  if (results.length === 0) throw new MetricsError('meanAtK', 'expected at least one prompt');
  let sum = 0;
  results.forEach((r, i) => {
    checkCounts(r.n, r.c, `meanAtK: results[${i}]`);
    sum += r.c / r.n;
  });
  return sum / results.length;
}
