/**
 * Validation of a forward's inputs, shared by the CPU and the WebGPU decoder so that both reject
 * the same inputs with the same messages.
 */
import type { DecoderConfig } from '@rlvr/core';
import type { Ints } from '../arrays.js';
import { DecoderModelError } from './errors.js';

/** Checked token ids and mask of one forward, as Int32Arrays of batch·seq entries. */
export interface DecoderInputs {
  /** Token ids [batch, seq], each in [0, vocab). */
  ids: Int32Array;
  /** Mask [batch, seq], 1 = token, 0 = padding. */
  mask: Int32Array;
}

/** Check batch, seq, token ids and mask; errors name the argument or entry (e.g. `tokens[3]`). */
export function checkDecoderInputs(
  config: DecoderConfig,
  tokens: Ints,
  mask: Ints,
  batch: number,
  seq: number,
): DecoderInputs {
  if (!Number.isInteger(batch) || batch < 1) {
    throw new DecoderModelError(`batch: expected an integer ≥ 1, got ${batch}`);
  }
  if (!Number.isInteger(seq) || seq < 1) throw new DecoderModelError(`seq: expected an integer ≥ 1, got ${seq}`);
  const n = batch * seq;
  return {
    ids: toInt32('tokens', tokens, n, (v) => v >= 0 && v < config.vocabSize, `a token id in [0, ${config.vocabSize})`),
    mask: toInt32('mask', mask, n, (v) => v === 0 || v === 1, '0 or 1'),
  };
}

function toInt32(name: string, ids: Ints, n: number, check: (v: number) => boolean, allowed: string): Int32Array {
  if (ids.length !== n) throw new DecoderModelError(`${name}: expected ${n} entries ([batch, seq]), got ${ids.length}`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = ids[i]!;
    if (!Number.isInteger(v) || !check(v)) throw new DecoderModelError(`${name}[${i}]: expected ${allowed}, got ${v}`);
    out[i] = v;
  }
  return out;
}
