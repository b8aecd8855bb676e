/**
 * The package's one seeded PRNG (sfc32, seeded through splitmix32): Countdown problems, the MATH
 * verifier's evaluation points and the benchmark sets depend on their seed alone; each user owns its
 * instance (never Math.random, never global state). Private (not exported; @rlvr/core's
 * `SeededRandom`, mulberry32, is the project's exported generator): this stream defines the problem
 * set of every `generateCountdownProblems` seed, the demo's held-out problems included, so replacing
 * it with core's would change the demo's recorded numbers.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A generator for the integer (or any number, truncated to 32 bits) `seed`. */
  constructor(seed: number) {
    let s = (Math.trunc(seed) ^ Math.trunc(seed / 4294967296)) >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let k = 0; k < 12; k++) this.nextUint32(); // mix away weak seeds
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [min, max] (inclusive), without modulo bias. */
  int(min: number, max: number): number {
    const range = max - min + 1;
    if (range <= 1) return min;
    // Rejection sampling: accept only draws below the largest multiple of `range`.
    const limit = Math.floor(4294967296 / range) * range;
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return min + (x % range);
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }
}
