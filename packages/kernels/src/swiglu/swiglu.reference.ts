/**
 * SwiGLU gating of the Llama/Qwen2 MLP: h = silu(gate) ⊙ up, silu(g) = g·σ(g) (the gate_proj and
 * up_proj matmuls and down_proj are matmuls, not part of this op).
 *
 * Layout: gate, up, h, dh, dgate, dup are equal-length flat arrays, [tokens, intermediate] row-major.
 * Numerics: σ in f64, computed without overflow (e^{−|g|} form); silu(−∞) = 0 and its gradient 0 by
 * the limit (instead of −∞·0 = NaN); silu(+∞) = +∞. NaN propagates.
 * Backward: dgate = dh·up·σ(g)·(1 + g·(1 − σ(g))), dup = dh·silu(g).
 */
import { type Floats, allocLike, at, requireLength } from '../arrays.js';

/** Logistic σ(g) in f64 without overflow for large |g|. */
export function sigmoid(g: number): number {
  if (g >= 0) return 1 / (1 + Math.exp(-g));
  const e = Math.exp(g);
  return e / (1 + e);
}

/** silu(g) = g·σ(g), with silu(−∞) = 0. */
export function silu(g: number): number {
  return g === -Infinity ? 0 : g * sigmoid(g);
}

/** h = silu(gate) ⊙ up. */
export function swigluForward<T extends Floats>(gate: T, up: Floats): T {
  requireLength('up', up, gate.length, 'same as gate');
  const h = allocLike(gate, gate.length);
  for (let i = 0; i < gate.length; i++) h[i] = silu(at(gate, i)) * at(up, i);
  return h;
}

/** Gradients of h = silu(gate) ⊙ up from dh. */
export function swigluBackward<T extends Floats>(dh: T, gate: Floats, up: Floats): { dgate: T; dup: T } {
  requireLength('up', up, gate.length, 'same as gate');
  requireLength('dh', dh, gate.length, 'same as gate');
  const dgate = allocLike(dh, gate.length);
  const dup = allocLike(dh, gate.length);
  for (let i = 0; i < gate.length; i++) {
    const g = at(gate, i);
    const s = sigmoid(g);
    const dsilu = g === -Infinity ? 0 : s * (1 + g * (1 - s));
    dgate[i] = at(dh, i) * at(up, i) * dsilu;
    dup[i] = at(dh, i) * silu(g);
  }
  return { dgate, dup };
}
