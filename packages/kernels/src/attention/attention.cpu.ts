/**
 * Causal GQA attention with a padding mask for the cpu backend: the score and value products go
 * through a {@link MatmulEngine} (ORT's sgemm in production) as one stacked product per (sequence,
 * kv head), and only the masked softmax (its exps on the engine when it has `exp`) and its backward
 * are JS loops. Optionally RoPE is applied while stacking q and k, and the stacks are kept by the
 * caller for the backward ({@link FastAttentionOptions}). Same semantics as
 * attention.reference.ts (the ground truth): allowed keys j ≤ i with mask 1, fully masked rows
 * give o = 0 and pass no gradient, query head h uses kv head floor(h / (H/Hkv)).
 *
 * GQA as rows: the `group` = H/Hkv query heads sharing a kv head are stacked into one [group·seq, d]
 * matrix, so the scores of the whole group are one product against that kv head's [seq, d] keys, and
 * dK, dV (summed over the group in the reference) come out of a transA product with no extra loop.
 * Layouts: q, o, dO, dq [batch, seq, H, d]; k, v, dk, dv [batch, seq, Hkv, d] (as the reference).
 * Internal stacks, entry e = b·Hkv + g: Q [e, group·seq, d] (row hh·seq + i), K, V [e, seq, d],
 * P [e, group·seq, seq]. The forward's P is either the caller's (kept for the backward) or, for long
 * sequences, computed one entry at a time and recomputed by the backward, so that only one entry's
 * [group·seq, seq] scores, probabilities and their gradient exist at a time.
 * The causal upper triangle is computed by the sgemm and overwritten with 0: at seq 64 a masked
 * product is cheaper than per-row products.
 */
import type { MatmulEngine } from '../decoder/matmul-engine.js';
import type { AttentionDims } from './attention.shared.js';

/** Scratch buffers reused across attention calls (grown on demand, never shrunk). */
export class AttentionWorkspace {
  private buffers = new Map<string, Float32Array>();
  private buffers64 = new Map<string, Float64Array>();

  /** A scratch buffer of exactly n floats named `key` (contents undefined; views one allocation per key). */
  get(key: string, n: number): Float32Array {
    return grown(this.buffers, key, n, (len) => new Float32Array(len));
  }

  /** As {@link get}, for f64 buffers (e.g. saved SwiGLU sigmoids), in their own namespace of keys. */
  get64(key: string, n: number): Float64Array {
    return grown(this.buffers64, key, n, (len) => new Float64Array(len));
  }
}

/** The first n elements of `map`'s buffer `key`, (re)allocated by `make` when missing or too short. */
function grown<A extends Float32Array | Float64Array>(
  map: Map<string, A>,
  key: string,
  n: number,
  make: (n: number) => A,
): A {
  let b = map.get(key);
  if (!b || b.length < n) {
    b = make(n);
    map.set(key, b);
  }
  return b.subarray(0, n) as A;
}

/** Length of the saved probabilities P for these dims: batch·Hkv · (H/Hkv·seq) · seq. */
export function attentionProbsLength(d: AttentionDims): number {
  return d.batch * d.numHeads * d.seq * d.seq;
}

/** RoPE tables cos/sin [tokens, headDim/2] (the reference's `ropeTables`) for the gathers and scatters below. */
export interface AttentionRope {
  /** cos of each (token, frequency). */
  cos: Float64Array;
  /** sin of each (token, frequency). */
  sin: Float64Array;
}

/**
 * Moves head rows between the model layout [batch, seq, heads, d] and the stacked layout
 * [batch·Hkv, hpg·seq, d] (the query heads of one kv group as rows): `gather` copies model → stacked,
 * `scatter` stacked → model. One index map serves both directions. With `rope`, each head row is also
 * rotated on the way — gather: forward RoPE, scatter: its transpose — with the arithmetic of
 * ropeInPlace (rope.cpu.ts), so fusing saves a pass without changing a bit.
 */
function permuteHeads(
  model: Float32Array,
  stacked: Float32Array,
  d: AttentionDims,
  heads: number,
  direction: 'gather' | 'scatter',
  rope?: AttentionRope,
): void {
  const { batch, seq, headDim } = d;
  const hpg = heads / d.numKvHeads;
  const half = headDim >> 1;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < seq; s++) {
      const tb = (b * seq + s) * half;
      for (let h = 0; h < heads; h++) {
        const g = (h / hpg) | 0;
        const m = ((b * seq + s) * heads + h) * headDim;
        const st = (((b * d.numKvHeads + g) * hpg + (h - g * hpg)) * seq + s) * headDim;
        // Plain loops, not set(subarray): a view per 32-float head row costs more than the copy.
        if (rope) {
          // Forward rotation on gather (sign 1), its transpose on scatter (sign −1).
          const gather = direction === 'gather';
          const src = gather ? model : stacked;
          const dst = gather ? stacked : model;
          const so = gather ? m : st;
          const dO = gather ? st : m;
          const sign = gather ? 1 : -1;
          for (let i = 0; i < half; i++) {
            const c = rope.cos[tb + i]!;
            const sn = sign * rope.sin[tb + i]!;
            const a = src[so + i]!;
            const bb = src[so + i + half]!;
            dst[dO + i] = a * c - bb * sn;
            dst[dO + i + half] = bb * c + a * sn;
          }
        } else if (direction === 'gather') for (let e = 0; e < headDim; e++) stacked[st + e] = model[m + e]!;
        else for (let e = 0; e < headDim; e++) model[m + e] = stacked[st + e]!;
      }
    }
  }
}

/** Stacked q, k, v of one attention call (see the module comment for the layout). */
export interface StackedQkv {
  /** Q [batch·Hkv, hpg·seq, d]. */
  q: Float32Array;
  /** K [batch·Hkv, seq, d]. */
  k: Float32Array;
  /** V [batch·Hkv, seq, d]. */
  v: Float32Array;
}

/** Lengths of the {@link StackedQkv} buffers for these dims. */
export function stackedQkvLengths(d: AttentionDims): { q: number; k: number; v: number } {
  const kv = d.batch * d.numKvHeads * d.seq * d.headDim;
  return { q: d.batch * d.numHeads * d.seq * d.headDim, k: kv, v: kv };
}

/**
 * q, k, v in the stacked layout, into `into` when given (the caller keeps them for the backward) or
 * the workspace buffers `q`, `k`, `v`; with `rope`, q and k are rotated on the way.
 */
function stackQkv(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  d: AttentionDims,
  ws: AttentionWorkspace,
  rope?: AttentionRope,
  into?: StackedQkv,
) {
  const { seq } = d;
  const entries = d.batch * d.numKvHeads;
  const rows = (d.numHeads / d.numKvHeads) * seq;
  const len = stackedQkvLengths(d);
  const qs = into?.q ?? ws.get('q', len.q);
  const ks = into?.k ?? ws.get('k', len.k);
  const vs = into?.v ?? ws.get('v', len.v);
  permuteHeads(q, qs, d, d.numHeads, 'gather', rope);
  permuteHeads(k, ks, d, d.numKvHeads, 'gather', rope);
  permuteHeads(v, vs, d, d.numKvHeads, 'gather');
  return { entries, rows, qs, ks, vs };
}

/**
 * Masked, scaled softmax in place over the score stack of entries [e0, e0 + p's entries) (rows of
 * length seq); disallowed keys become 0.
 * With an engine that has `exp` (ORT's vectorised Exp), the exps run there in one call: a first JS
 * pass writes the shifted scores s·scale − max (−∞ where disallowed) into a workspace buffer, the
 * engine exponentiates them into p, and a last pass normalises each row. Otherwise one JS pass per
 * row with Math.exp (~10 ns each, most of this op's cost on the JS path).
 */
async function maskedSoftmax(
  p: Float32Array,
  mask: Int32Array,
  d: AttentionDims,
  scale: number,
  engine: MatmulEngine<Float32Array>,
  ws: AttentionWorkspace,
  e0: number,
): Promise<void> {
  const { seq } = d;
  const rowsPerEntry = (d.numHeads / d.numKvHeads) * seq;
  const exp = engine.exp !== undefined;
  const shifted = exp ? ws.get('shifted', p.length) : p;
  const e1 = e0 + p.length / (rowsPerEntry * seq);
  for (let e = e0; e < e1; e++) {
    const mb = Math.floor(e / d.numKvHeads) * seq;
    for (let r = 0; r < rowsPerEntry; r++) {
      const i = r % seq;
      const o = ((e - e0) * rowsPerEntry + r) * seq;
      let m = -Infinity;
      for (let j = 0; j <= i; j++) {
        if (mask[mb + j] === 0) continue;
        const s = p[o + j]! * scale;
        if (s > m) m = s;
      }
      if (m === -Infinity) {
        // Fully masked row: zeros, not 0/0 (as the reference); e^{−∞} = 0 on the engine path.
        if (exp) shifted.fill(-Infinity, o, o + seq);
        else p.fill(0, o, o + seq);
        continue;
      }
      if (exp) {
        for (let j = 0; j <= i; j++) shifted[o + j] = mask[mb + j] === 0 ? -Infinity : p[o + j]! * scale - m;
        shifted.fill(-Infinity, o + i + 1, o + seq);
        continue;
      }
      let sum = 0;
      for (let j = 0; j <= i; j++) {
        const ex = mask[mb + j] === 0 ? 0 : Math.exp(p[o + j]! * scale - m);
        p[o + j] = ex;
        sum += ex;
      }
      const inv = 1 / sum;
      for (let j = 0; j <= i; j++) p[o + j] = p[o + j]! * inv;
      p.fill(0, o + i + 1, o + seq);
    }
  }
  if (!engine.exp) return;
  await engine.exp(shifted, p);
  // Normalise: only j ≤ i can be non-zero; a fully masked row sums to 0 and stays all zeros.
  const totalRows = p.length / seq;
  for (let r = 0, o = 0; r < totalRows; r++, o += seq) {
    const i = r % seq;
    let sum = 0;
    for (let j = 0; j <= i; j++) sum += p[o + j]!;
    if (sum === 0) continue;
    const inv = 1 / sum;
    for (let j = 0; j <= i; j++) p[o + j] = p[o + j]! * inv;
  }
}

/** Options of {@link fastAttentionForward} and {@link fastAttentionBackward}. */
export interface FastAttentionOptions {
  /**
   * RoPE fused into the stacking: q and k are given *before* RoPE and rotated on the way in
   * (forward), and dq, dk come out as gradients with respect to those un-rotated q, k (backward).
   */
  rope?: AttentionRope;
  /**
   * Forward: buffers ({@link stackedQkvLengths}) that receive the stacked (rotated) q, k, v, for the
   * caller to keep; backward: those buffers, used as they are — q, k, v are then not read.
   */
  stacked?: StackedQkv;
}

/** Entries (one (sequence, kv head) each) per pass: all of them when P is kept, else one (P recomputed per entry). */
function entriesPerPass(probs: Float32Array | null, entries: number): number {
  return probs ? entries : 1;
}

/** What the attention backward gets from its forward: the kept probabilities, or the padding mask to recompute them. */
export type AttentionProbs = Float32Array | { recomputeWithMask: Int32Array };

/**
 * P of entries [e0, e0 + n) into `p` (n·rows·seq floats): the scores Q·Kᵀ of those entries' stacks,
 * then the masked softmax.
 */
async function probabilities(
  engine: MatmulEngine<Float32Array>,
  qs: Float32Array,
  ks: Float32Array,
  mask: Int32Array,
  d: AttentionDims,
  ws: AttentionWorkspace,
  e0: number,
  n: number,
  p: Float32Array,
): Promise<void> {
  const { seq, headDim } = d;
  const rows = (d.numHeads / d.numKvHeads) * seq;
  await engine.matmul(
    qs.subarray(e0 * rows * headDim, (e0 + n) * rows * headDim),
    ks.subarray(e0 * seq * headDim, (e0 + n) * seq * headDim),
    { batch: n, m: rows, n: seq, k: headDim, transB: true },
    p,
  );
  await maskedSoftmax(p, mask, d, 1 / Math.sqrt(headDim), engine, ws, e0);
}

/**
 * Attention forward: writes o [batch, seq, H, d]. With `probs` ({@link attentionProbsLength} floats)
 * the probabilities are kept there for {@link fastAttentionBackward}; with null they are computed one
 * (sequence, kv head) entry at a time in a workspace buffer of one entry's size and dropped (the
 * backward recomputes them), so no [batch, H, seq, seq] tensor exists.
 */
export async function fastAttentionForward(
  engine: MatmulEngine<Float32Array>,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  mask: Int32Array,
  d: AttentionDims,
  ws: AttentionWorkspace,
  o: Float32Array,
  probs: Float32Array | null,
  options: FastAttentionOptions = {},
): Promise<void> {
  const { seq, headDim } = d;
  const { entries, rows, qs, ks, vs } = stackQkv(q, k, v, d, ws, options.rope, options.stacked);
  if (entries === 0 || seq === 0) return;
  const os = ws.get('o', entries * rows * headDim);
  const step = entriesPerPass(probs, entries);
  for (let e0 = 0; e0 < entries; e0 += step) {
    const p = probs ?? ws.get('p', step * rows * seq);
    await probabilities(engine, qs, ks, mask, d, ws, e0, step, p);
    await engine.matmul(
      p,
      vs.subarray(e0 * seq * headDim, (e0 + step) * seq * headDim),
      { batch: step, m: rows, n: headDim, k: seq },
      os.subarray(e0 * rows * headDim, (e0 + step) * rows * headDim),
    );
  }
  permuteHeads(o, os, d, d.numHeads, 'scatter');
}

/**
 * Attention backward from dO: writes dq (q's layout), dk and dv (k's layout). `saved` is the
 * probabilities the forward kept, or the forward's mask to recompute them one entry at a time (as the
 * forward with null probabilities); q, k, v are
 * the forward's inputs, re-stacked here unless `options.stacked` holds the stacks the forward kept;
 * `options.rope` as in the forward (then dq, dk are rotated back on the way out).
 */
export async function fastAttentionBackward(
  engine: MatmulEngine<Float32Array>,
  dO: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  saved: AttentionProbs,
  d: AttentionDims,
  ws: AttentionWorkspace,
  dq: Float32Array,
  dk: Float32Array,
  dv: Float32Array,
  options: FastAttentionOptions = {},
): Promise<void> {
  const { seq, headDim } = d;
  const entries = d.batch * d.numKvHeads;
  const rows = (d.numHeads / d.numKvHeads) * seq;
  const { qs, ks, vs } = options.stacked
    ? { qs: options.stacked.q, ks: options.stacked.k, vs: options.stacked.v }
    : stackQkv(q, k, v, d, ws, options.rope);
  if (entries === 0 || seq === 0) return;
  const dos = ws.get('o', entries * rows * headDim);
  const dqs = ws.get('dq', entries * rows * headDim);
  const dks = ws.get('dk', entries * seq * headDim);
  const dvs = ws.get('dv', entries * seq * headDim);
  permuteHeads(dO, dos, d, d.numHeads, 'gather');
  const probs = saved instanceof Float32Array ? saved : null;
  const step = entriesPerPass(probs, entries);
  const scale = 1 / Math.sqrt(headDim);
  for (let e0 = 0; e0 < entries; e0 += step) {
    // Views of entries [e0, e0 + step) of a stack with `per` floats per entry.
    const at = (x: Float32Array, per: number): Float32Array => x.subarray(e0 * per, (e0 + step) * per);
    const p = probs ?? ws.get('p', step * rows * seq);
    if (!(saved instanceof Float32Array)) {
      await probabilities(engine, qs, ks, saved.recomputeWithMask, d, ws, e0, step, p);
    }
    const ds = ws.get('dp', step * rows * seq);
    const rowsBy = { batch: step, m: rows, n: headDim };
    // dV = Pᵀ·dO (summing the group's query heads), dP = dO·Vᵀ.
    await engine.matmul(
      p,
      at(dos, rows * headDim),
      { batch: step, m: seq, n: headDim, k: rows, transA: true },
      at(dvs, seq * headDim),
    );
    await engine.matmul(
      at(dos, rows * headDim),
      at(vs, seq * headDim),
      { batch: step, m: rows, n: seq, k: headDim, transB: true },
      ds,
    );
    // dS = P ⊙ (dP − Σ_j P·dP) / √d in place; masked entries have P = 0, so dS = 0 there.
    // Only keys j ≤ i (the row's query position) can have P ≠ 0; the rest of the row is 0.
    const totalRows = step * rows;
    for (let r = 0, o = 0; r < totalRows; r++, o += seq) {
      const i = r % seq;
      let dot = 0;
      for (let j = 0; j <= i; j++) dot += p[o + j]! * ds[o + j]!;
      for (let j = 0; j <= i; j++) ds[o + j] = p[o + j]! * (ds[o + j]! - dot) * scale;
      ds.fill(0, o + i + 1, o + seq);
    }
    await engine.matmul(ds, at(ks, seq * headDim), { ...rowsBy, k: seq }, at(dqs, rows * headDim));
    await engine.matmul(
      ds,
      at(qs, rows * headDim),
      { batch: step, m: seq, n: headDim, k: rows, transA: true },
      at(dks, seq * headDim),
    );
  }
  permuteHeads(dq, dqs, d, d.numHeads, 'scatter', options.rope);
  permuteHeads(dk, dks, d, d.numKvHeads, 'scatter', options.rope);
  permuteHeads(dv, dvs, d, d.numKvHeads, 'scatter');
}
