import { SeededRandom } from '@rlvr/core';

/**
 * A seeded uniform permutation of 0..n−1 (Fisher–Yates with @rlvr/core's mulberry32): the same
 * (n, seed) gives the same order on every platform, which is what makes splits and data order
 * reproducible and resumable.
 */
export function seededPermutation(n: number, seed: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = new SeededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/**
 * A 32-bit seed derived from a base seed and a stream number (e.g. the epoch), so that streams are
 * decorrelated rather than consecutive seeds of one generator (murmur3's finaliser as the mixer).
 */
export function deriveSeed(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
