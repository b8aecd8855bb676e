/**
 * GpuDecoderModel with its vocabulary-sized tensors (embedding, LM head, logits, their gradients and
 * AdamW moments) split across binding windows: the device's binding limit is lowered to 4 KiB, so a
 * 200 × 32 embedding (25.6 kB) and the 12 × 200 logits (9.6 kB) are split while every activation of
 * the other kernels (≤ 2.3 kB) still fits one binding, as on a real adapter with a 150k vocabulary.
 */
import { adamwScalars } from '../adamw/adamw.gpu.js';
import { AdamwTolerance } from '../adamw/adamw.tolerance.js';
import { referenceMatmul } from '../decoder/matmul-engine.js';
import { CpuDecoderModel } from '../decoder/model.js';
import { describeGpu } from '../device/describe-gpu.js';
import { bindingWindows } from '../gpu/windows.js';
import { assertClose } from '../kernel-common/plan.js';
import { parameterSpecs, parseDecoderConfig, type DecoderConfig } from '@rlvr/core';
import { seededFloats } from '@rlvr/core';
import { adamwStep } from '../adamw/adamw.reference.js';
import { GpuDecoderModel } from './index.js';
import { testWeights } from './test-weights.js';

const LIMIT = 4096;
const base = { hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 48, vocab_size: 200, rope_theta: 10000 };
const llama = parseDecoderConfig({ ...base, model_type: 'llama', rms_norm_eps: 1e-5, tie_word_embeddings: true });
const qwen2 = parseDecoderConfig({ ...base, model_type: 'qwen2', rms_norm_eps: 1e-6, tie_word_embeddings: false });

// batch 2 × seq 6, ids spread over the whole vocabulary (every window of the table, the last included).
const BATCH = 2;
const SEQ = 6;
const TOKENS = Int32Array.of(0, 199, 57, 130, 64, 3, 199, 198, 100, 31, 150, 7);
const MASK = new Int32Array(12).fill(1);

// Gradient tolerance: max |gpu − ref| ≤ 3e-4 · max |ref| per tensor, the budget of gpu-decoder.gpu.test.ts
// (the split only reorders the K sums of the head's products: same bound).
const GRAD_REL_TOL = 3e-4;

await describeGpu('GpuDecoderModel with the embedding and LM head split across binding windows', (gpu) => {
  const limited = async <T>(work: () => Promise<T>): Promise<T> => {
    gpu.limitBindingBytes(LIMIT);
    try {
      return await work();
    } finally {
      gpu.limitBindingBytes(null);
    }
  };

  it.each([
    ['llama (tied embedding = LM head)', llama, 41],
    ['qwen2 (untied LM head)', qwen2, 42],
  ] as [string, DecoderConfig, number][])('%s: logits bit-identical to unsplit; gradients match the reference; an AdamW step matches the reference step', async (_name, config, seed) => {
    const weights = testWeights(config, seed);
    const dlogits = seededFloats(seed + 100, BATCH * SEQ * config.vocabSize, 1);
    const cpu = CpuDecoderModel.f32(config, weights, referenceMatmul, { ops: 'reference' });
    await cpu.forward(TOKENS, MASK, BATCH, SEQ);
    const ref = await cpu.backward(dlogits.slice());
    const whole = GpuDecoderModel.create(gpu, config, weights);
    const split = GpuDecoderModel.create(gpu, config, weights);
    try {
      const logits = await whole.forward(TOKENS, MASK, BATCH, SEQ);
      await limited(async () => {
        expect(bindingWindows(gpu, split.parameter('model.embed_tokens.weight'), config.hiddenSize).length).toBeGreaterThan(1);
        // Rows of C are computed whole (N and M blocks only): the same dot products, bit for bit.
        expect(await split.forward(TOKENS, MASK, BATCH, SEQ)).toEqual(logits);
        const grads = await split.backward(dlogits);
        const failures: string[] = [];
        for (const [name, r] of Object.entries(ref)) {
          let err = 0;
          let scale = 0;
          for (let i = 0; i < r.data.length; i++) {
            err = Math.max(err, Math.abs(grads[name]!.data[i]! - r.data[i]!));
            scale = Math.max(scale, Math.abs(r.data[i]!));
          }
          if (!(scale > 0 && err <= GRAD_REL_TOL * scale)) failures.push(`${name}: worst |gpu − ref| ${err.toExponential(2)} of max|grad| ${scale.toExponential(2)}`);
        }
        expect(failures).toEqual([]);

        // One step from these gradients against the reference AdamW on the same gradients.
        const options = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
        const before = await split.weights();
        await split.step(options);
        const after = await split.weights();
        for (const s of parameterSpecs(config)) {
          const n = before[s.name]!.data.length;
          const p = before[s.name]!.data.slice();
          const v = new Float32Array(n);
          const g = grads[s.name]!.data;
          const o = s.kind === 'linear' || s.kind === 'embedding' ? options : { ...options, weightDecay: 0 };
          adamwStep(p, g, new Float32Array(n), v, 1, o);
          const tol = new AdamwTolerance(n, options.beta1);
          tol.step(g, before[s.name]!.data, p, adamwScalars(1, o).decay);
          assertClose(after[s.name]!.data, p, tol.current(v).p, `${s.name} after a split AdamW step`);
        }
      });
    } finally {
      whole.dispose();
      split.dispose();
    }
  });
});
