/**
 * The fast f32 embedding gather (bit-exact) and scatter-add (f32 sums in token order) against the reference on its case table.
 */
import { describe, it } from '@jest/globals';
import { expectClose } from '../testing/expect-close.js';
import { EMBEDDING_CASES, embeddingCaseInputs } from './embedding.cases.js';
import { embeddingBackwardInto, embeddingForwardInto } from './embedding.cpu.js';
import { embeddingBackward, embeddingForward } from './embedding.reference.js';

describe('fast embedding matches the reference', () => {
  it.each(EMBEDDING_CASES.map((c) => [c.name, c] as const))('embedding gather/scatter-add: %s', (_, c) => {
    const { table, dout } = embeddingCaseInputs(c);
    const out = new Float32Array(c.ids.length * c.dims.hidden);
    embeddingForwardInto(table, c.ids, c.dims.hidden, out);
    expectClose(out, embeddingForward(table, c.ids, c.dims), 0);
    const dtable = new Float32Array(table.length);
    embeddingBackwardInto(dout, c.ids, c.dims.hidden, dtable);
    expectClose(dtable, embeddingBackward(dout, c.ids, c.dims));
  });
});
