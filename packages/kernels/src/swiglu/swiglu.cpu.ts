/**
 * Fast f32 SwiGLU for the cpu backend (outputs into caller buffers, σ optionally saved for the
 * backward); same maths as swiglu.reference.ts, the ground truth. Rules of the fast ops: see rmsnorm.cpu.ts.
 */

/**
 * SwiGLU forward h = silu(gate) ⊙ up into h (σ in the overflow-free form; silu(−∞) = 0 as in the
 * reference). With `sig` (f64, gate's length), σ(gate) is also saved there for
 * {@link swigluBackwardInto}, whose exp is then free. With `expGate` = e^{gate} precomputed (f32,
 * e.g. by ORT's vectorised Exp), σ = 1/(1 + 1/e^{g}) needs no exp here either (the exp is most of
 * this op's cost; e^g = 0 or ∞ give σ = 0 or 1 as they should). Rounding e^g to f32 moves σ by at
 * most e^g's own relative error (a few 1e-8), below the f32 rounding of h.
 */
export function swigluForwardInto(
  gate: Float32Array,
  up: Float32Array,
  h: Float32Array,
  sig?: Float64Array,
  expGate?: Float32Array,
): void {
  const n = gate.length;
  if (sig && expGate) {
    for (let i = 0; i < n; i++) {
      const g = gate[i]!;
      const s = 1 / (1 + 1 / expGate[i]!);
      sig[i] = s;
      h[i] = (g > -Infinity ? g * s : 0) * up[i]!;
    }
    return;
  }
  if (sig) {
    for (let i = 0; i < n; i++) {
      const g = gate[i]!;
      const s = 1 / (1 + Math.exp(-g));
      sig[i] = s;
      h[i] = (g > -Infinity ? g * s : 0) * up[i]!;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    // 1/(1 + e^{−g}) is overflow-safe in f64 too (e^{−g} = ∞ gives σ = 0), and branch-free is ~2× faster.
    const s = 1 / (1 + Math.exp(-g));
    h[i] = (g > -Infinity ? g * s : 0) * up[i]!;
  }
}

/**
 * SwiGLU backward into dgate and dup: dgate = dh·up·σ(g)·(1 + g(1 − σ(g))), dup = dh·silu(g). `sig`:
 * σ(gate) saved by {@link swigluForwardInto} (f64, so results are the same as recomputing it).
 */
export function swigluBackwardInto(
  dh: Float32Array,
  gate: Float32Array,
  up: Float32Array,
  dgate: Float32Array,
  dup: Float32Array,
  sig?: Float64Array,
): void {
  const n = gate.length;
  // One loop over a saved (or here computed) σ, so the loop has no per-element "saved or not" branch.
  const sg = sig ?? sigmoidOf(gate);
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    const s = sg[i]!;
    const inf = g === -Infinity;
    const d = dh[i]!;
    dgate[i] = d * up[i]! * (inf ? 0 : s * (1 + g * (1 - s)));
    dup[i] = d * (inf ? 0 : g * s);
  }
}

/** σ(x) element-wise in f64 (1/(1 + e^{−x}): 0 at −∞, 1 at +∞). */
function sigmoidOf(x: Float32Array): Float64Array {
  const s = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) s[i] = 1 / (1 + Math.exp(-x[i]!));
  return s;
}
