import { type DecoderConfig, decoderParameters, seededInts } from '@rlvr/core';
import { OrtMatmul } from '../ort/ort-matmul.js';
import { AttentionWorkspace } from '../attention/attention.cpu.js';
import { PADDED_BATCH, livelyWeights, maxAbs, maxDiff, tinyDecoderConfig } from '../testing/decoder-fixtures.js';
import { projection } from '../reference/finite-difference.js';
import { logSoftmaxGatherBackwardF32, logSoftmaxGatherF32 } from '../loss/log-softmax-gather.cpu.js';
import { type ChunkedHead, chunkedHeadBackward, chunkedHeadRowStats } from './chunked-head.js';
import { type MatmulEngine, ortMatmulEngine } from './matmul-engine.js';
import { CpuDecoderModel, type DecoderMemoryOptions } from './model.js';
import type { DecoderTensors } from './types.js';

/** Three layers (so a checkpointed block sits between kept ones), GQA 4/2, odd vocab. */
function config(extra: Record<string, unknown> = {}): DecoderConfig {
  return tinyDecoderConfig({ num_hidden_layers: 3, ...extra });
}

const FAMILIES = [
  ['Qwen2 (q/k/v bias, untied)', {}],
  ['Qwen3 (q/k norm, head_dim 6, tied)', { model_type: 'qwen3', head_dim: 6, tie_word_embeddings: true }],
] as const;

const { batch: B, seq: S, tokens: TOKENS, mask: MASK } = PADDED_BATCH;

/** Copies of every gradient's data (the model's set is overwritten by its next backward). */
function snapshot(grads: DecoderTensors<Float32Array | Float64Array>): Record<string, Float64Array> {
  return Object.fromEntries(Object.entries(grads).map(([name, t]) => [name, Float64Array.from(t.data)]));
}

/** Names whose gradient differs from `want` by more than tol · max|want|. */
function mismatches(got: Record<string, ArrayLike<number>>, want: Record<string, ArrayLike<number>>, tol: number): string[] {
  return Object.keys(want).filter((name) => !(maxDiff(got[name]!, want[name]!) <= tol * maxAbs(want[name]!)));
}

/** The engine, recording the largest output any product wrote (a deterministic memory count). */
function recording(engine: MatmulEngine<Float32Array>): { engine: MatmulEngine<Float32Array>; largest: () => number } {
  let largest = 0;
  return {
    engine: {
      name: engine.name,
      matmul: async (a, b, shape, out) => {
        const c = await engine.matmul(a, b, shape, out);
        largest = Math.max(largest, c.length);
        return c;
      },
    },
    largest: () => largest,
  };
}

describe('CpuDecoderModel memory options (fast ops on ONNX Runtime)', () => {
  const ort = new OrtMatmul({ threads: 2 });
  afterAll(async () => ort.dispose());

  // Same ops, the same products per entry and a deterministic re-run: only summation order could
  // differ, so 1e-6 of each tensor's scale; against f64 the existing 1e-4 (f32 rounding over ~30 ops).
  describe.each(FAMILIES)('%s', (_family, extra) => {
    const c = config(extra);
    const w = livelyWeights(c, 505);
    test.each([
      ['attention recompute', { recomputeAttention: true }],
      ['every layer checkpointed', { checkpointLayers: true, recomputeAttention: false }],
      ['layers 0 and 2 checkpointed (sharing buffers around a kept one), attention recompute', { checkpointLayers: [0, 2], recomputeAttention: true }],
    ] as [string, DecoderMemoryOptions][])('%s: logits and every gradient equal the keep-everything model and the f64 reference', async (_name, memory) => {
      const kept = CpuDecoderModel.f32(c, w, ortMatmulEngine(ort), { memory: { recomputeAttention: false } });
      const bounded = CpuDecoderModel.f32(c, w, ortMatmulEngine(ort), { memory });
      const exact = CpuDecoderModel.f64(c, w);
      const le = await exact.forward(TOKENS, MASK, B, S);
      const proj = Float32Array.from(projection(3, le.length));
      const ge = snapshot(await exact.backward(Float64Array.from(proj)));
      const lk = await kept.forward(TOKENS, MASK, B, S);
      const gk = snapshot(await kept.backward(proj));
      // Twice: the second step reuses every pooled and shared buffer.
      for (let rep = 0; rep < 2; rep++) {
        const lb = await bounded.forward(TOKENS, MASK, B, S);
        expect(maxDiff(lb, lk)).toBeLessThanOrEqual(1e-6 * maxAbs(lk));
        expect(maxDiff(lb, le)).toBeLessThanOrEqual(1e-4 * maxAbs(le));
        const gb = snapshot(await bounded.backward(proj));
        expect(mismatches(gb, gk, 1e-6)).toEqual([]);
        expect(mismatches(gb, ge, 1e-4)).toEqual([]);
      }
    });

    test('one gradient set: a backward overwrites it, or adds to it with accumulate', async () => {
      const model = CpuDecoderModel.f32(c, w, ortMatmulEngine(ort), { memory: { checkpointLayers: [0] } });
      const d1 = Float32Array.from(projection(4, B * S * c.vocabSize));
      const d2 = Float32Array.from(projection(5, B * S * c.vocabSize));
      await model.forward(TOKENS, MASK, B, S);
      const first = await model.backward(d1);
      const g1 = snapshot(first);
      await model.forward(TOKENS, MASK, B, S);
      const g2 = snapshot(await model.backward(d2));
      await model.forward(TOKENS, MASK, B, S);
      await model.backward(d1);
      await model.forward(TOKENS, MASK, B, S);
      const sum = await model.backward(d2, true);
      expect(sum).toBe(first);
      const expected = Object.fromEntries(Object.entries(g1).map(([name, g]) => [name, g.map((x, i) => x + g2[name]![i]!)]));
      expect(mismatches(snapshot(sum), expected, 1e-6)).toEqual([]);
    });

    test('the chunked head: row statistics and every gradient equal the full-logits path; no product outgrows a chunk', async () => {
      // A vocabulary larger than the hidden size, so a [tokens, vocab] product would be the largest.
      const hc = config({ ...extra, vocab_size: 50 });
      const hw = livelyWeights(hc, 606);
      const tokens = B * S;
      const v = hc.vocabSize;
      const chunkBytes = 3 * v * 4; // 3 rows per forward chunk (boundaries inside both sequences), 9 columns per backward slice
      const targets = seededInts(6, tokens, v);
      const temperature = 0.7;
      // Row 6 is padding (no gradient); the rest carry both logprob and entropy gradients.
      const gLogprob = Float32Array.from(projection(7, tokens), (x, i) => (i === 6 ? 0 : x));
      const gEntropy = Float32Array.from(projection(8, tokens), (x, i) => (i === 6 ? 0 : 0.5 * x));
      const dims = { tokens, vocab: v, temperature };
      const full = CpuDecoderModel.f32(hc, hw, ortMatmulEngine(ort));
      const logits = await full.forward(TOKENS, MASK, B, S);
      const want = logSoftmaxGatherF32(logits, targets, dims);
      const gFull = snapshot(await full.backward(logSoftmaxGatherBackwardF32(logits, targets, gLogprob, gEntropy, dims)));

      const model = CpuDecoderModel.f32(hc, hw, ortMatmulEngine(ort));
      await model.forwardHidden(TOKENS, MASK, B, S);
      const headWeight = decoderParameters(hc).head.weight;
      const rec = recording(ortMatmulEngine(ort));
      const head: ChunkedHead = {
        engine: rec.engine,
        hidden: model.hidden(),
        weight: model.weights()[headWeight]!.data,
        tokens,
        hiddenSize: hc.hiddenSize,
        vocab: v,
        chunkBytes,
        scratch: new AttentionWorkspace(),
      };
      const stats = await chunkedHeadRowStats(head, targets, temperature);
      expect(maxDiff(stats.logprob, want.logprob)).toBeLessThanOrEqual(1e-6 * maxAbs(want.logprob));
      expect(maxDiff(stats.entropy, want.entropy)).toBeLessThanOrEqual(1e-6 * maxAbs(want.entropy));
      const seed = { targets, temperature, stats, gLogprob, gEntropy };
      const gChunked = snapshot(await model.backwardFromHead((grads, accumulate) => chunkedHeadBackward(head, seed, grads[headWeight]!.data, accumulate)));
      expect(mismatches(gChunked, gFull, 1e-5)).toEqual([]);
      // Accumulating the same step again doubles every gradient (the head's slices add through a scratch dW).
      await model.forwardHidden(TOKENS, MASK, B, S);
      const twice = snapshot(await model.backwardFromHead((grads, accumulate) => chunkedHeadBackward(head, seed, grads[headWeight]!.data, accumulate), true));
      const doubled = Object.fromEntries(Object.entries(gChunked).map(([name, g]) => [name, g.map((x) => 2 * x)]));
      expect(mismatches(twice, doubled, 1e-6)).toEqual([]);
      // The head's products never held [tokens, vocab] logits: at most a chunk, or dHidden [tokens, hidden].
      expect(rec.largest()).toBeLessThanOrEqual(Math.max(chunkBytes / 4, tokens * hc.hiddenSize));
      expect(Math.max(chunkBytes / 4, tokens * hc.hiddenSize)).toBeLessThan(tokens * v);
    });
  });
});
