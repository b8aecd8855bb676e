/**
 * Causal GQA attention with a padding mask for the cpu backend: the score and value products go
 * through a {@link MatmulEngine} (ORT's sgemm in production) as one stacked product per (sequence,
 * kv head), and only the masked softmax and its backward are JS loops. Same semantics as
 * src/reference/attention.ts (the ground truth): allowed keys j ≤ i with mask 1, fully masked rows
 * give o = 0 and pass no gradient, query head h uses kv head floor(h / (H/Hkv)).
 *
 * GQA as rows: the `group` = H/Hkv query heads sharing a kv head are stacked into one [group·seq, d]
 * matrix, so the scores of the whole group are one product against that kv head's [seq, d] keys, and
 * dK, dV (summed over the group in the reference) come out of a transA product with no extra loop.
 * Layouts: q, o, dO, dq [batch, seq, H, d]; k, v, dk, dv [batch, seq, Hkv, d] (as the reference).
 * Internal stacks, entry e = b·Hkv + g: Q [e, group·seq, d] (row hh·seq + i), K, V [e, seq, d],
 * P [e, group·seq, seq]. The forward's P is the caller's (saved for the backward, so no recompute).
 * The causal upper triangle is computed by the sgemm and overwritten with 0: at seq 64 a masked
 * product is cheaper than per-row products.
 */
import type { MatmulEngine } from '../decoder/matmul-engine.js';

/** Shape of a fast attention call (as the reference's AttentionDims). */
export interface FastAttentionDims {
  /** Number of sequences. */
  batch: number;
  /** Sequence length. */
  seq: number;
  /** num_attention_heads. */
  numHeads: number;
  /** num_key_value_heads (divides numHeads). */
  numKvHeads: number;
  /** head_dim. */
  headDim: number;
}

/** Scratch buffers reused across attention calls (grown on demand, never shrunk). */
export class AttentionWorkspace {
  private buffers = new Map<string, Float32Array>();

  /** A scratch buffer of exactly n floats named `key` (contents undefined; views one allocation per key). */
  get(key: string, n: number): Float32Array {
    let b = this.buffers.get(key);
    if (!b || b.length < n) {
      b = new Float32Array(n);
      this.buffers.set(key, b);
    }
    return b.subarray(0, n);
  }
}

/** Length of the saved probabilities P for these dims: batch·Hkv · (H/Hkv·seq) · seq. */
export function attentionProbsLength(d: FastAttentionDims): number {
  return d.batch * d.numHeads * d.seq * d.seq;
}

/**
 * Moves head rows between the model layout [batch, seq, heads, d] and the stacked layout
 * [batch·Hkv, hpg·seq, d] (the query heads of one kv group as rows): `gather` copies model → stacked,
 * `scatter` stacked → model. One index map serves both directions.
 */
function permuteHeads(model: Float32Array, stacked: Float32Array, d: FastAttentionDims, heads: number, direction: 'gather' | 'scatter'): void {
  const { batch, seq, headDim } = d;
  const hpg = heads / d.numKvHeads;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < seq; s++) {
      for (let h = 0; h < heads; h++) {
        const g = (h / hpg) | 0;
        const m = ((b * seq + s) * heads + h) * headDim;
        const st = (((b * d.numKvHeads + g) * hpg + (h - g * hpg)) * seq + s) * headDim;
        // Plain loops, not set(subarray): a view per 32-float head row costs more than the copy.
        if (direction === 'gather') for (let e = 0; e < headDim; e++) stacked[st + e] = model[m + e]!;
        else for (let e = 0; e < headDim; e++) model[m + e] = stacked[st + e]!;
      }
    }
  }
}

/** q, k, v in the stacked layout (workspace buffers `q`, `k`, `v`), with the stack's batch and row counts. */
function stackQkv(q: Float32Array, k: Float32Array, v: Float32Array, d: FastAttentionDims, ws: AttentionWorkspace) {
  const { seq, headDim } = d;
  const entries = d.batch * d.numKvHeads;
  const rows = (d.numHeads / d.numKvHeads) * seq;
  const qs = ws.get('q', entries * rows * headDim);
  const ks = ws.get('k', entries * seq * headDim);
  const vs = ws.get('v', entries * seq * headDim);
  permuteHeads(q, qs, d, d.numHeads, 'gather');
  permuteHeads(k, ks, d, d.numKvHeads, 'gather');
  permuteHeads(v, vs, d, d.numKvHeads, 'gather');
  return { entries, rows, qs, ks, vs };
}

/** Masked, scaled softmax in place over the score stack (rows of length seq); disallowed keys become 0. */
function maskedSoftmax(p: Float32Array, mask: Int32Array, d: FastAttentionDims, scale: number): void {
  const { batch, seq } = d;
  const rowsPerEntry = (d.numHeads / d.numKvHeads) * seq;
  for (let b = 0; b < batch; b++) {
    const mb = b * seq;
    for (let e = b * d.numKvHeads; e < (b + 1) * d.numKvHeads; e++) {
      for (let r = 0; r < rowsPerEntry; r++) {
        const i = r % seq;
        const o = (e * rowsPerEntry + r) * seq;
        let m = -Infinity;
        for (let j = 0; j <= i; j++) {
          if (mask[mb + j] === 0) continue;
          const s = p[o + j]! * scale;
          if (s > m) m = s;
        }
        if (m === -Infinity) {
          // Fully masked row: zeros, not 0/0 (as the reference).
          p.fill(0, o, o + seq);
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
  }
}

/**
 * Attention forward: writes o [batch, seq, H, d] and the probabilities `probs`
 * ({@link attentionProbsLength} floats, kept by the caller for {@link fastAttentionBackward}).
 */
export async function fastAttentionForward(
  engine: MatmulEngine<Float32Array>,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  mask: Int32Array,
  d: FastAttentionDims,
  ws: AttentionWorkspace,
  o: Float32Array,
  probs: Float32Array,
): Promise<void> {
  const { seq, headDim } = d;
  const { entries, rows, qs, ks, vs } = stackQkv(q, k, v, d, ws);
  if (entries === 0 || seq === 0) return;
  const os = ws.get('o', entries * rows * headDim);
  await engine.matmul(qs, ks, { batch: entries, m: rows, n: seq, k: headDim, transB: true }, probs);
  maskedSoftmax(probs, mask, d, 1 / Math.sqrt(headDim));
  await engine.matmul(probs, vs, { batch: entries, m: rows, n: headDim, k: seq }, os);
  permuteHeads(o, os, d, d.numHeads, 'scatter');
}

/**
 * Attention backward from dO: writes dq (q's layout), dk and dv (k's layout). `probs` is the
 * forward's; q, k, v are the forward's inputs (re-stacked here, cheaper than keeping stacks per layer).
 */
export async function fastAttentionBackward(
  engine: MatmulEngine<Float32Array>,
  dO: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  probs: Float32Array,
  d: FastAttentionDims,
  ws: AttentionWorkspace,
  dq: Float32Array,
  dk: Float32Array,
  dv: Float32Array,
): Promise<void> {
  const { seq, headDim } = d;
  const { entries, rows, qs, ks, vs } = stackQkv(q, k, v, d, ws);
  if (entries === 0 || seq === 0) return;
  const dos = ws.get('o', entries * rows * headDim);
  const ds = ws.get('dp', entries * rows * seq);
  const dqs = ws.get('dq', entries * rows * headDim);
  const dks = ws.get('dk', entries * seq * headDim);
  const dvs = ws.get('dv', entries * seq * headDim);
  permuteHeads(dO, dos, d, d.numHeads, 'gather');
  // dV = Pᵀ·dO (summing the group's query heads), dP = dO·Vᵀ.
  await engine.matmul(probs, dos, { batch: entries, m: seq, n: headDim, k: rows, transA: true }, dvs);
  await engine.matmul(dos, vs, { batch: entries, m: rows, n: seq, k: headDim, transB: true }, ds);
  // dS = P ⊙ (dP − Σ_j P·dP) / √d in place; masked entries have P = 0, so dS = 0 there.
  const scale = 1 / Math.sqrt(headDim);
  const totalRows = entries * rows;
  for (let r = 0, o = 0; r < totalRows; r++, o += seq) {
    let dot = 0;
    for (let j = 0; j < seq; j++) dot += probs[o + j]! * ds[o + j]!;
    for (let j = 0; j < seq; j++) ds[o + j] = probs[o + j]! * (ds[o + j]! - dot) * scale;
  }
  await engine.matmul(ds, ks, { batch: entries, m: rows, n: headDim, k: seq }, dqs);
  await engine.matmul(ds, qs, { batch: entries, m: seq, n: headDim, k: rows, transA: true }, dks);
  permuteHeads(dq, dqs, d, d.numHeads, 'scatter');
  permuteHeads(dk, dks, d, d.numKvHeads, 'scatter');
  permuteHeads(dv, dvs, d, d.numKvHeads, 'scatter');
}
