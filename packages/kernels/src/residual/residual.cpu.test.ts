/**
 * The fast f32 residual add against the reference on its case table: bit-exact (one rounding of the same sum).
 */
import { describe, it } from '@jest/globals';
import { expectClose } from '../testing/expect-close.js';
import { RESIDUAL_CASES, residualCaseInputs } from './residual.cases.js';
import { addInto } from './residual.cpu.js';
import { residualAddForward } from './residual.reference.js';

describe('fast residual add matches the reference', () => {
  it.each(RESIDUAL_CASES.map((c) => [c.name, c] as const))('residual add: %s', (_, c) => {
    const { a, b } = residualCaseInputs(c);
    const y = new Float32Array(c.n);
    addInto(a, b, y);
    expectClose(y, residualAddForward(a, b), 0);
  });
});
