/** Shared embedding cases: vocab 1, repeated ids (scatter-add must accumulate), odd widths. */
import type { EmbeddingDims } from './embedding.shared.js';
import { seededFloats, seededInts } from '@rlvr/core';

/** One embedding case. */
export interface EmbeddingCase {
  /** Stable name. */
  name: string;
  /** Table shape. */
  dims: EmbeddingDims;
  /** Token ids [tokens]. */
  ids: Int32Array;
  /** Seed of table and dout. */
  seed: number;
  /** Run the finite-difference check. */
  fd: boolean;
}

/** The embedding case table. */
export const EMBEDDING_CASES: readonly EmbeddingCase[] = [
  { name: 'vocab 1, 1 token, hidden 1', dims: { vocab: 1, hidden: 1 }, ids: Int32Array.of(0), seed: 1, fd: true },
  { name: 'repeated ids, hidden 7', dims: { vocab: 5, hidden: 7 }, ids: Int32Array.of(3, 3, 0, 3, 4, 0, 3), seed: 2, fd: true },
  { name: 'no tokens', dims: { vocab: 3, hidden: 4 }, ids: new Int32Array(0), seed: 3, fd: true },
  { name: '300 tokens over vocab 1000, hidden 65', dims: { vocab: 1000, hidden: 65 }, ids: seededInts(4, 300, 1000), seed: 4, fd: false },
  { name: 'last id of a 151936 vocab, hidden 3', dims: { vocab: 151936, hidden: 3 }, ids: Int32Array.of(151935, 0, 151935), seed: 5, fd: false },
];

/** Seeded f32 inputs: table [vocab, hidden], dout [tokens, hidden]. */
export function embeddingCaseInputs(c: EmbeddingCase): { table: Float32Array; dout: Float32Array } {
  return {
    table: seededFloats(c.seed * 3, c.dims.vocab * c.dims.hidden, 1),
    dout: seededFloats(c.seed * 3 + 1, c.ids.length * c.dims.hidden, 1),
  };
}
