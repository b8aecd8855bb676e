/**
 * ORT row softmax (real session) against an f64 softmax. Tolerance: |ort − ref| ≤ 4e-7·scale + 1e-6·|ref|
 * per entry (MLAS's vectorised exp and f32 sums: a few f32 ulps of each probability; scale multiplies all).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { SeededRandom } from '@rlvr/core';
import { OrtSoftmax, SoftmaxError } from './ort-softmax.js';

/** scale·softmax of each row in f64; all −∞ rows give NaN like 0/0. */
function reference(x: Float32Array, rows: number, cols: number, scale: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]!);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(x[r * cols + j]! - m);
    for (let j = 0; j < cols; j++) y[r * cols + j] = (scale * Math.exp(x[r * cols + j]! - m)) / sum;
  }
  return y;
}

const sm = new OrtSoftmax({ threads: 2 });
afterAll(() => sm.dispose());

const cases: [string, number, number, number, number][] = [
  // name, rows, cols, logit magnitude, scale
  ['1×1', 1, 1, 1, 1],
  ['1×7', 1, 7, 3, 1],
  ['7×33 scaled 1/63', 7, 33, 5, 1 / 63],
  ['65×2048 (vocab-sized rows)', 65, 2048, 8, 0.25],
  ['3×129 huge logits (±1e4)', 3, 129, 1e4, 1],
];

describe('OrtSoftmax', () => {
  it.each(cases)('%s matches an f64 softmax', async (_, rows, cols, mag, scale) => {
    const rng = new SeededRandom(rows * 100 + cols);
    const x = new Float32Array(rows * cols);
    for (let i = 0; i < x.length; i++) x[i] = (rng.next() * 2 - 1) * mag;
    const out = await sm.softmax(x, rows, cols, scale, new Float32Array(rows * cols));
    const ref = reference(x, rows, cols, scale);
    for (let i = 0; i < out.length; i++) expect(Math.abs(out[i]! - ref[i]!)).toBeLessThanOrEqual(4e-7 * scale + 1e-6 * ref[i]!);
    // Rows sum to scale.
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += out[r * cols + j]!;
      expect(Math.abs(s - scale)).toBeLessThanOrEqual(1e-5 * scale);
    }
  });

  it('−∞ entries get probability 0; a row of all −∞ gives NaN, not a silent 0', async () => {
    const x = Float32Array.of(0, -Infinity, 0, -Infinity, -Infinity, -Infinity);
    const out = await sm.softmax(x, 2, 3, 1, new Float32Array(6));
    expect(Array.from(out.subarray(0, 3))).toEqual([0.5, 0, 0.5]);
    expect(Array.from(out.subarray(3)).every(Number.isNaN)).toBe(true);
  });

  it('rejects wrong lengths, overlap, a non-finite scale and use after dispose, naming them', async () => {
    const x = new Float32Array(6);
    await expect(sm.softmax(x, 2, 4, 1, new Float32Array(8))).rejects.toThrow(/x has 6 values/);
    await expect(sm.softmax(x, 2, 3, 1, new Float32Array(5))).rejects.toThrow(/out has 5 values/);
    await expect(sm.softmax(x, 2, 3, 1, x)).rejects.toThrow(/overlaps/);
    await expect(sm.softmax(x, 2, 3, Infinity, new Float32Array(6))).rejects.toThrow(SoftmaxError);
    const gone = new OrtSoftmax({ threads: 1 });
    await gone.dispose();
    await expect(gone.softmax(x, 2, 3, 1, new Float32Array(6))).rejects.toThrow(/disposed/);
  });
});
