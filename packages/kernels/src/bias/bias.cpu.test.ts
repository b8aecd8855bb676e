/** The fast f32 bias add (bit-exact) and bias gradient (f64 column sums, accumulated) against the reference on its case table. */
import { describe, expect, it } from '@jest/globals';
import { expectClose } from '../testing/expect-close.js';
import { BIAS_CASES, biasCaseInputs } from './bias.cases.js';
import { addBiasRows, columnSumsInto } from './bias.cpu.js';
import { biasAddForward, biasGrad } from './bias.reference.js';

describe('fast bias matches the reference', () => {
  it.each(BIAS_CASES.map((c) => [c.name, c] as const))('bias add and gradient: %s', (_, c) => {
    const { y, bias, dy } = biasCaseInputs(c);
    const fy = y.slice();
    addBiasRows(fy, bias);
    expect(Array.from(fy)).toEqual(Array.from(biasAddForward(y, bias)));
    // The gradient is accumulated onto what db holds (the model's gradient tensor).
    const db = new Float32Array(c.n).fill(1);
    columnSumsInto(dy, c.n, db);
    expectClose(
      db,
      Array.from(biasGrad(dy, c.n), (v) => Math.fround(v + 1)),
    );
  });
});
