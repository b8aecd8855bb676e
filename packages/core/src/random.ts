/**
 * The project's one seeded PRNG (mulberry32): tiny and deterministic across platforms, so kernel case
 * tables regenerate byte-identical inputs from a seed, test models initialise reproducibly, and the
 * sampler's draws, the trainer's data order and its pretraining and SFT corpora are repeatable. Always
 * an instance, never global state.
 *
 * The stream of a seed is part of the package's contract: recorded results (the demo's held-out
 * numbers, the embedded models' provenance) were produced with it, so the algorithm, the seeding
 * (ToUint32, no mixing) and the way `normal`, `seededFloats` and `seededInts` consume draws never change;
 * random.test.ts pins the first outputs of several seeds against an independent implementation.
 */

/**
 * A seeded uniform generator (mulberry32: one 32-bit state, period 2^32) with a Box–Muller normal.
 * Statistically fine for sampling, shuffling and test data; not for cryptography, and not for more
 * than 2^32 draws from one seed.
 */
export class SeededRandom {
  private state: number;

  /** Seeds the generator: `seed` is taken modulo 2^32 (ToUint32: −1 is 4294967295, 1.7 is 1, NaN is 0). */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution: the next 32-bit output divided by 2^32. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal by Box–Muller from two draws, cosine branch only (1 − u keeps log away from 0). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** `n` f32 values uniform in [−scale, scale), from `seed`. */
export function seededFloats(seed: number, n: number, scale = 1): Float32Array {
  const random = new SeededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * random.next() - 1) * scale;
  return out;
}

/** `n` integers uniform in [0, bound), from `seed`. */
export function seededInts(seed: number, n: number, bound: number): Int32Array {
  const random = new SeededRandom(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(random.next() * bound);
  return out;
}
