/**
 * Token embedding: gather rows of the table by id, and its gradient, a scatter-add (repeated ids
 * accumulate, in f64, in token order — the GPU kernel may add in another order, hence a tolerance).
 *
 * Layout: table, dtable are [vocab, hidden]; ids [tokens]; out, dout are [tokens, hidden]; row-major.
 * Ids outside [0, vocab) throw a KernelReferenceError naming the index (a GPU kernel would read out of
 * bounds). Values are copied bit-exact by the gather; NaN/±∞ propagate.
 */
import { type Floats, type Ints, allocLike, at, requireInt, requireLength } from '../arrays.js';
import { KernelReferenceError } from '../errors.js';
import type { EmbeddingDims } from './embedding.shared.js';

function checkIds(ids: Ints, vocab: number): void {
  for (let t = 0; t < ids.length; t++) {
    const id = at(ids, t);
    if (!Number.isInteger(id) || id < 0 || id >= vocab) {
      throw new KernelReferenceError(`ids[${t}]`, `expected a token id in [0, ${vocab}), got ${id}`);
    }
  }
}

/** out[t, :] = table[ids[t], :]. */
export function embeddingForward<T extends Floats>(table: T, ids: Ints, d: EmbeddingDims): T {
  requireInt('vocab', d.vocab, 1);
  requireInt('hidden', d.hidden, 1);
  requireLength('table', table, d.vocab * d.hidden, '[vocab, hidden]');
  checkIds(ids, d.vocab);
  const out = allocLike(table, ids.length * d.hidden);
  for (let t = 0; t < ids.length; t++) {
    const r = at(ids, t) * d.hidden;
    out.set(table.subarray(r, r + d.hidden), t * d.hidden);
  }
  return out;
}

/** dtable[v, :] = Σ_{t: ids[t] = v} dout[t, :] (rows never used stay 0). */
export function embeddingBackward<T extends Floats>(dout: T, ids: Ints, d: EmbeddingDims): T {
  requireInt('vocab', d.vocab, 1);
  requireInt('hidden', d.hidden, 1);
  requireLength('dout', dout, ids.length * d.hidden, '[tokens, hidden]');
  checkIds(ids, d.vocab);
  const acc = new Float64Array(d.vocab * d.hidden);
  for (let t = 0; t < ids.length; t++) {
    const r = at(ids, t) * d.hidden;
    for (let j = 0; j < d.hidden; j++) acc[r + j] = at(acc, r + j) + at(dout, t * d.hidden + j);
  }
  const dtable = allocLike(dout, acc.length);
  dtable.set(acc);
  return dtable;
}
