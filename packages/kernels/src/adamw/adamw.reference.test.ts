import { describe, expect, it } from '@jest/globals';
import { adamwStep } from './adamw.reference.js';
import { type AdamWOptions } from './adamw.shared.js';
import { ADAMW_CASES, adamwCaseInputs } from './adamw.cases.js';

const OPTS: AdamWOptions = { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 };

describe('AdamW reference', () => {
  it('three steps on a 3-element parameter match the hand computation', () => {
    // p0 = [1, −2, 0.5]; grads g1 = [0.1, −0.2, 0.3], g2 = [−0.1, 0.4, 0], g3 = [0.2, 0.2, −0.5];
    // lr 0.1, β1 0.9, β2 0.99, eps 1e-8, wd 0.1; decay factor 1 − lr·wd = 0.99.
    //
    // Step 1 (bc1 = 1 − 0.9 = 0.1, bc2 = 1 − 0.99 = 0.01, √bc2 = 0.1):
    //   element 0: p = 1·0.99 = 0.99; m = 0.1·0.1 = 0.01; v = 0.01·0.01 = 1e-4
    //              p −= (0.1/0.1)·0.01 / (√1e-4/0.1 + 1e-8) = 0.01/(0.1 + 1e-8) = 0.09999999
    //              → 0.89000001
    //   element 1: p = −1.98; m = −0.02; v = 4e-4; p −= −0.02/(0.2 + 1e-8) = −0.0999999950 → −1.880000005
    //   element 2: p = 0.495; m = 0.03; v = 9e-4; p −= 0.03/(0.3 + 1e-8) = 0.0999999967 → 0.3950000033
    // Step 2 (bc1 = 1 − 0.81 = 0.19, bc2 = 1 − 0.9801 = 0.0199):
    //   element 0: p = 0.89000001·0.99 = 0.8811000099; m = 0.9·0.01 + 0.1·(−0.1) = −0.001;
    //              v = 0.99·1e-4 + 0.01·0.01 = 1.99e-4;
    //              p −= (0.1/0.19)·(−0.001) / (√1.99e-4/√0.0199 + 1e-8) = −0.00052631578/(0.1 + 1e-8)
    //              → 0.8811000099 + 0.0052631573 = 0.8863631673
    // Step 3 (bc1 = 1 − 0.729 = 0.271, bc2 = 1 − 0.970299 = 0.029701):
    //   element 0: p = 0.8863631673·0.99 = 0.8774995356; m = 0.9·(−0.001) + 0.1·0.2 = 0.0191;
    //              v = 0.99·1.99e-4 + 0.01·0.04 = 5.9701e-4;
    //              p −= (0.1/0.271)·0.0191 / (√5.9701e-4/√0.029701 + 1e-8) = 0.0070479705/0.1417771… = 0.0497117
    //              → 0.8277878169
    const expected = [
      [0.890000009999999, -1.8800000049999996, 0.3950000033333332],
      [0.88636316726842, -1.897760775129074, 0.32389199174490796],
      [0.827787816852005, -1.9307076798942016, 0.3487563366154196],
    ];
    const grads = [
      [0.1, -0.2, 0.3],
      [-0.1, 0.4, 0],
      [0.2, 0.2, -0.5],
    ];
    const p = Float64Array.of(1, -2, 0.5);
    const m = new Float64Array(3);
    const v = new Float64Array(3);
    for (let t = 1; t <= 3; t++) {
      adamwStep(p, Float64Array.from(grads[t - 1] as number[]), m, v, t, OPTS);
      (expected[t - 1] as number[]).forEach((e, i) => expect(p[i]).toBeCloseTo(e, 13));
    }
    expect(m[0]).toBeCloseTo(0.0191, 15);
    expect(v[0]).toBeCloseTo(5.9701e-4, 15);
    // The same run in f32 storage agrees to f32 precision.
    const p32 = Float32Array.of(1, -2, 0.5);
    const m32 = new Float32Array(3);
    const v32 = new Float32Array(3);
    for (let t = 1; t <= 3; t++) adamwStep(p32, Float32Array.from(grads[t - 1] as number[]), m32, v32, t, OPTS);
    (expected[2] as number[]).forEach((e, i) => expect(Math.abs((p32[i] as number) - e)).toBeLessThan(1e-6));
  });

  it('weight decay is decoupled: with zero gradient only p·(1 − lr·wd) acts', () => {
    const p = Float64Array.of(2);
    adamwStep(p, Float64Array.of(0), new Float64Array(1), new Float64Array(1), 1, OPTS);
    expect(p[0]).toBe(2 * (1 - 0.1 * 0.1));
  });

  it('rejects step 0 (steps are 1-based)', () => {
    expect(() => adamwStep(new Float32Array(1), new Float32Array(1), new Float32Array(1), new Float32Array(1), 0, OPTS)).toThrow(/^step/);
  });

  it.each(ADAMW_CASES.map((c) => [c.name, c] as const))('case runs finite, first step moves each weight by ≈ lr: %s', (_, c) => {
    const { param, grads } = adamwCaseInputs(c);
    const p0 = param.slice();
    const m = new Float32Array(c.n);
    const v = new Float32Array(c.n);
    grads.forEach((g, s) => {
      adamwStep(param, g, m, v, s + 1, c.options);
      if (s === 0 && c.gradScale > 0) {
        // Step 1 is a sign step: |Δp − decay| = lr·|g|/(|g| + eps) ≤ lr.
        for (let i = 0; i < c.n; i++) {
          const decayed = (p0[i] as number) * (1 - c.options.lr * c.options.weightDecay);
          expect(Math.abs((param[i] as number) - decayed)).toBeLessThanOrEqual(c.options.lr * (1 + 1e-5) + 1e-7);
        }
      }
    });
    expect(param.every(Number.isFinite)).toBe(true);
  });
});
