/** Shared SwiGLU cases: sizes 1, 7, non-multiples of 64, saturated gates (±1e4) and −∞ / +∞ gates. */
import { seededFloats } from '@rlvr/core';

/** One SwiGLU case. */
export interface SwigluCase {
  /** Stable name. */
  name: string;
  /** Number of elements (tokens · intermediate_size). */
  n: number;
  /** Seed of gate, up, dh. */
  seed: number;
  /** Magnitude of gate. */
  scale: number;
  /** Values written over the first gates (e.g. ±1e4, −∞). */
  specials: readonly number[];
  /** Run the finite-difference check. */
  fd: boolean;
}

/** The SwiGLU case table. */
export const SWIGLU_CASES: readonly SwigluCase[] = [
  { name: 'n=1', n: 1, seed: 1, scale: 1, specials: [], fd: true },
  { name: 'n=7', n: 7, seed: 2, scale: 3, specials: [], fd: true },
  { name: 'n=4863 (odd, not a multiple of 64)', n: 4863, seed: 3, scale: 4, specials: [], fd: false },
  { name: 'saturated gates ±1e4, ±40', n: 9, seed: 4, scale: 1, specials: [1e4, -1e4, 40, -40], fd: true },
  { name: '−∞ gate (silu limit 0)', n: 5, seed: 5, scale: 1, specials: [-Infinity], fd: true },
];

/** Seeded f32 inputs: gate, up, dh of n elements (specials written over gate[0..]). */
export function swigluCaseInputs(c: SwigluCase): { gate: Float32Array; up: Float32Array; dh: Float32Array } {
  const gate = seededFloats(c.seed * 3, c.n, c.scale);
  c.specials.forEach((s, i) => (gate[i] = s));
  return { gate, up: seededFloats(c.seed * 3 + 1, c.n, 1), dh: seededFloats(c.seed * 3 + 2, c.n, 1) };
}
