/** Fast f32 embedding gather and scatter-add for the cpu backend (into caller buffers); same maths as embedding.reference.ts. */

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
