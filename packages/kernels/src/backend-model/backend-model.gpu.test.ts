import { describeGpu } from '../device/describe-gpu.js';
import { testWeights } from '../gpu-decoder/test-weights.js';
import { parseDecoderConfig } from '@rlvr/core';
import { createDecoderModel, type DecoderModel } from './index.js';

// Tolerances (f32 on both sides, different summation orders), the budgets of src/gpu-decoder's GPU
// test, which derives them op by op: logits |webgpu − cpu| ≤ 1e-4 · max|cpu logit| over real (mask = 1)
// positions; each gradient tensor |webgpu − cpu| ≤ 3e-4 · max|cpu grad| of that tensor. The cpu side
// here is the fast ops + ORT MatMul (MLAS's blocked sums), not the plain references, which adds a few
// u = 2⁻²⁴ per product at these reduction lengths (≤ 48), well inside the budget.
const LOGIT_TOL = 1e-4;
const GRAD_TOL = 3e-4;

const config = parseDecoderConfig({
  model_type: 'qwen2',
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 48,
  vocab_size: 37,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: false,
});
const BATCH = 2;
const SEQ = 6;
const MASK = Int32Array.of(0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
const TOKENS = Int32Array.of(0, 0, 5, 17, 36, 2, 9, 1, 30, 30, 12, 4);

/** Largest |a − b| and max |b| over the indices `include` accepts (all by default). */
function worst(a: Float32Array, b: Float32Array, include: (i: number) => boolean = () => true): { err: number; scale: number } {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    if (!include(i)) continue;
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { err, scale };
}

/** Forward, then backward of a fixed dlogits (zero at padding), on `model`. */
async function run(model: DecoderModel): Promise<{ logits: Float32Array; grads: Record<string, Float32Array> }> {
  const logits = await model.forward(TOKENS, MASK, BATCH, SEQ);
  const v = config.vocabSize;
  const dlogits = Float32Array.from({ length: logits.length }, (_, i) => (MASK[Math.floor(i / v)] === 1 ? 0.05 * Math.sin(0.7 * i) : 0));
  const grads = await model.backward(dlogits);
  return { logits, grads: Object.fromEntries(Object.entries(grads).map(([k, t]) => [k, t.data])) };
}

await describeGpu('createDecoderModel: webgpu vs cpu backend', (gpu) => {
  it('both backends give the same logits and gradients within the written f32 tolerance; step runs on both', async () => {
    const weights = testWeights(config, 21);
    const lines: string[] = [];
    const cpu = await createDecoderModel({ config, weights, backend: 'cpu', log: null });
    const web = await createDecoderModel({ config, weights, backend: 'webgpu', log: (l) => lines.push(l) });
    try {
      expect(web.backend).toBe('webgpu');
      expect(web.reason).toMatch(/^requested explicitly; adapter /);
      expect(lines).toHaveLength(1);
      const a = await run(cpu);
      const b = await run(web);
      const v = config.vocabSize;
      const logit = worst(b.logits, a.logits, (i) => MASK[Math.floor(i / v)] === 1);
      expect(logit.scale).toBeGreaterThan(0.1);
      expect(logit.err).toBeLessThanOrEqual(LOGIT_TOL * logit.scale);
      expect(Object.keys(b.grads).sort()).toEqual(Object.keys(a.grads).sort());
      const failures: string[] = [];
      let worstRel = 0;
      for (const [name, ref] of Object.entries(a.grads)) {
        const { err, scale } = worst(b.grads[name]!, ref);
        const rel = scale === 0 ? err : err / scale;
        worstRel = Math.max(worstRel, rel);
        if (!(rel <= GRAD_TOL)) failures.push(`${name}: ${rel.toExponential(2)} of max|grad| ${scale.toExponential(2)}`);
      }
      if (process.env.RLVR_TOL_LOG) process.stderr.write(`TOL backend-model: logits ${(logit.err / logit.scale).toExponential(2)}, grads ${worstRel.toExponential(2)}\n`);
      expect(failures).toEqual([]);

      const adamw = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
      // The norm read before stepping is the one each step reports, and the two backends agree on it.
      const [normCpu, normWeb] = [await cpu.gradNorm(), await web.gradNorm()];
      expect(Math.abs(normWeb - normCpu)).toBeLessThanOrEqual(GRAD_TOL * normCpu);
      expect((await cpu.step(adamw)).gradNorm).toBe(normCpu);
      expect((await web.step(adamw)).gradNorm).toBe(normWeb);
      const wc = await cpu.weights();
      const wg = await web.weights();
      expect(Object.keys(wg).sort()).toEqual(Object.keys(wc).sort());
      expect(wg['model.norm.weight']!.data).not.toEqual(weights['model.norm.weight']!.data);
    } finally {
      await cpu.dispose();
      await web.dispose();
    }
  });

  it('auto picks cpu on a software fallback adapter (saying so) and webgpu on hardware', async () => {
    const lines: string[] = [];
    const model = await createDecoderModel({ config, weights: testWeights(config, 3), backend: 'auto', log: (l) => lines.push(l) });
    await model.dispose();
    expect(lines).toHaveLength(1);
    if (gpu.adapter.isFallbackAdapter) {
      expect(model.backend).toBe('cpu');
      expect(model.reason).toMatch(/the only adapter is a software fallback \(.*\); the cpu backend is faster there/);
    } else {
      expect(model.backend).toBe('webgpu');
      expect(model.reason).toMatch(/^hardware adapter /);
    }
  });
});
