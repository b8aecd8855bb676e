/**
 * The project's one seeded PRNG (mulberry32): tiny and deterministic across platforms, so kernel case
 * tables regenerate byte-identical inputs from a seed, test models initialise reproducibly and sampling
 * is repeatable. Always an instance, never global state.
 */

/** A seeded uniform generator (mulberry32) with a Box–Muller normal. */
export class SeededRandom {
  private state: number;

  /** Seeds the generator (any 32-bit integer; other numbers are truncated). */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal by Box–Muller (1 − u keeps log away from 0). */
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
