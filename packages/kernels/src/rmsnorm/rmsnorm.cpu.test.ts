/**
 * The fast f32 RMSNorm (forward, backward, accumulating backward) against the reference on its case table, within the cpu ops' f32 tolerance (testing/expect-close.ts).
 */
import { describe, it } from '@jest/globals';
import { expectClose } from '../testing/expect-close.js';
import { residualAddForward } from '../residual/residual.reference.js';
import { RMSNORM_CASES, rmsNormCaseInputs } from './rmsnorm.cases.js';
import { rmsNormBackwardInto, rmsNormForwardInto } from './rmsnorm.cpu.js';
import { rmsNormBackward, rmsNormForward } from './rmsnorm.reference.js';

describe('fast rmsNorm matches the reference', () => {
  it.each(RMSNORM_CASES.map((c) => [c.name, c] as const))('rmsNorm forward/backward: %s', (_, c) => {
    const { x, weight, dy } = rmsNormCaseInputs(c);
    const { rows, hidden, eps } = c.dims;
    const y = new Float32Array(x.length);
    const rstd = new Float64Array(rows);
    rmsNormForwardInto(x, weight, rows, hidden, eps, y, rstd);
    const ref = rmsNormForward(x, weight, c.dims);
    expectClose(y, ref.y);
    const dx = new Float32Array(x.length);
    const dw = new Float32Array(hidden);
    rmsNormBackwardInto(dy, x, weight, rstd, rows, hidden, dx, dw);
    const rb = rmsNormBackward(dy, x, weight, c.dims);
    expectClose(dx, rb.dx);
    expectClose(dw, rb.dweight);
    // accumulate mode adds onto what is there.
    const acc = Float32Array.from(dy);
    rmsNormBackwardInto(dy, x, weight, rstd, rows, hidden, acc, new Float32Array(hidden), true);
    expectClose(acc, residualAddForward(dy, rb.dx));
  });
});
