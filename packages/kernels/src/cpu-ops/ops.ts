/**
 * Fast Float32Array versions of the decoder's element-wise and row-wise ops (RMSNorm, RoPE, SwiGLU,
 * residual add, embedding) for the cpu backend's training step. Same maths and layouts as the plain
 * references in src/reference (the ground truth; see each file there for the formulas), but:
 *   - outputs go into caller-provided buffers (no allocation per call), gradients of parameters are
 *     *accumulated* into the caller's arrays (so the model writes straight into its gradient tensors);
 *   - one tight loop per op, no per-element helper calls or bounds-check wrappers;
 *   - no argument validation beyond what the model already guarantees (it checks tokens, mask and
 *     shapes once per call), because these run ~40 times per step on ~0.5M-element arrays.
 * Arithmetic is in JS numbers (f64) with one rounding on store, like the references, so results
 * differ from them only where an input differs (e.g. a matmul output from ORT's f32 sgemm).
 */

/** RMSNorm forward into y [rows, hidden]; rstd [rows] receives 1/sqrt(mean(x²) + eps) for the backward. */
export function rmsNormForwardInto(x: Float32Array, weight: Float32Array, rows: number, hidden: number, eps: number, y: Float32Array, rstd: Float32Array | Float64Array): void {
  for (let r = 0, o = 0; r < rows; r++, o += hidden) {
    let ss = 0;
    for (let j = 0; j < hidden; j++) {
      const v = x[o + j]!;
      ss += v * v;
    }
    const s = 1 / Math.sqrt(ss / hidden + eps);
    rstd[r] = s;
    for (let j = 0; j < hidden; j++) y[o + j] = x[o + j]! * s * weight[j]!;
  }
}

/**
 * RMSNorm backward: dx [rows, hidden] is written (or added to, with `accumulate`, which saves the
 * residual-stream add), dweight [hidden] is accumulated. rstd is the forward's; f64 storage keeps the
 * backward bit-compatible with the reference's recomputed f64 rstd.
 */
export function rmsNormBackwardInto(dy: Float32Array, x: Float32Array, weight: Float32Array, rstd: Float32Array | Float64Array, rows: number, hidden: number, dx: Float32Array, dweight: Float32Array, accumulate = false): void {
  // Per-column sums in f64 across rows; rounded into dweight once at the end.
  const dw = new Float64Array(hidden);
  for (let r = 0, o = 0; r < rows; r++, o += hidden) {
    const s = rstd[r]!;
    let gx = 0;
    for (let j = 0; j < hidden; j++) {
      const dyx = dy[o + j]! * x[o + j]!;
      gx += dyx * weight[j]!;
      dw[j] = dw[j]! + dyx * s;
    }
    const c = (s * s * s * gx) / hidden;
    if (accumulate) for (let j = 0; j < hidden; j++) dx[o + j] = dx[o + j]! + (s * dy[o + j]! * weight[j]! - x[o + j]! * c);
    else for (let j = 0; j < hidden; j++) dx[o + j] = s * dy[o + j]! * weight[j]! - x[o + j]! * c;
  }
  for (let j = 0; j < hidden; j++) dweight[j] = dweight[j]! + dw[j]!;
}

/**
 * RoPE in place on x [tokens, heads, headDim] with precomputed tables cos/sin [tokens, headDim/2]
 * (the reference's `ropeTables`, built once per forward and shared by q, k and both backwards).
 * sign 1: forward rotation; −1: backward (the transpose).
 */
export function ropeInPlace(x: Float32Array, cos: Float64Array, sin: Float64Array, tokens: number, heads: number, headDim: number, sign: 1 | -1): void {
  const half = headDim >> 1;
  for (let t = 0; t < tokens; t++) {
    const tb = t * half;
    for (let h = 0; h < heads; h++) {
      const o = (t * heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const c = cos[tb + i]!;
        const s = sign * sin[tb + i]!;
        const a = x[o + i]!;
        const b = x[o + i + half]!;
        x[o + i] = a * c - b * s;
        x[o + i + half] = b * c + a * s;
      }
    }
  }
}

/**
 * SwiGLU forward h = silu(gate) ⊙ up into h (σ in the overflow-free form; silu(−∞) = 0 as in the
 * reference). With `sig` (f64, gate's length), σ(gate) is also saved there for
 * {@link swigluBackwardInto}, whose exp is then free. With `expGate` = e^{gate} precomputed (f32,
 * e.g. by ORT's vectorised Exp), σ = 1/(1 + 1/e^{g}) needs no exp here either (the exp is most of
 * this op's cost; e^g = 0 or ∞ give σ = 0 or 1 as they should). Rounding e^g to f32 moves σ by at
 * most e^g's own relative error (a few 1e-8), below the f32 rounding of h.
 */
export function swigluForwardInto(gate: Float32Array, up: Float32Array, h: Float32Array, sig?: Float64Array, expGate?: Float32Array): void {
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
export function swigluBackwardInto(dh: Float32Array, gate: Float32Array, up: Float32Array, dgate: Float32Array, dup: Float32Array, sig?: Float64Array): void {
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

/** Residual add y = a + b into y (y may alias a or b). */
export function addInto(a: Float32Array, b: Float32Array, y: Float32Array): void {
  const n = a.length;
  for (let i = 0; i < n; i++) y[i] = a[i]! + b[i]!;
}

/** Embedding gather: out[t, :] = table[ids[t], :] (ids already validated by the caller). */
export function embeddingForwardInto(table: Float32Array, ids: Int32Array, hidden: number, out: Float32Array): void {
  for (let t = 0; t < ids.length; t++) {
    const r = ids[t]! * hidden;
    out.set(table.subarray(r, r + hidden), t * hidden);
  }
}

/**
 * Embedding scatter-add into dtable [vocab, hidden] (accumulates, so a tied LM head's gradient already
 * there is kept). Summation is in f32 in token order, not f64: repeated ids are few per step, and the
 * f64 staging array of the reference would cost vocab·hidden per call.
 */
export function embeddingBackwardInto(dout: Float32Array, ids: Int32Array, hidden: number, dtable: Float32Array): void {
  for (let t = 0; t < ids.length; t++) {
    const r = ids[t]! * hidden;
    const o = t * hidden;
    for (let j = 0; j < hidden; j++) dtable[r + j] = dtable[r + j]! + dout[o + j]!;
  }
}

/** Column sums of dy [rows, n] accumulated into db [n] (a Linear bias's gradient), f64 per column. */
export function columnSumsInto(dy: Float32Array, n: number, db: Float32Array): void {
  const acc = new Float64Array(n);
  for (let r = 0; r < dy.length; r += n) for (let j = 0; j < n; j++) acc[j] = acc[j]! + dy[r + j]!;
  for (let j = 0; j < n; j++) db[j] = db[j]! + acc[j]!;
}

/** Adds bias [n] to every row of y [rows, n] in place. */
export function addBiasRows(y: Float32Array, bias: Float32Array): void {
  const n = bias.length;
  for (let r = 0; r < y.length; r += n) for (let j = 0; j < n; j++) y[r + j] = y[r + j]! + bias[j]!;
}
