import { PADDED_BATCH, livelyWeights, maxAbs, maxDiff } from '../testing/decoder-fixtures.js';
import { type DecoderConfig, SeededRandom, parameterSpecs, parseDecoderConfig, type NamedTensors } from '@rlvr/core';
import { CpuDecoderModel } from '../decoder/model.js';
import type { DecoderTensors } from '../decoder/types.js';
import { logSoftmaxGatherBackward, logSoftmaxGatherForward } from '../loss/log-softmax-gather.reference.js';
import { CompiledTrainStep } from './compiled-step.js';

/** Configs covering GQA, left padding, q/k/v and o biases, tied and untied heads, Qwen3's q/k norm, scaled RoPE. */
const CONFIGS: [string, Record<string, unknown>][] = [
  ['qwen2 (q/k/v bias, untied, GQA)', { model_type: 'qwen2' }],
  ['llama (all four biases, tied)', { model_type: 'llama', attention_bias: true, tie_word_embeddings: true }],
  ['qwen3 (q/k norm, head_dim 6, tied)', { model_type: 'qwen3', head_dim: 6, tie_word_embeddings: true }],
  // Scaled RoPE (the cos/sin tables come from @rlvr/core's ropeCosSin): head_dim 8 so llama3 keeps,
  // blends and divides frequencies, and YaRN's cos/sin gain (1.139) is exercised.
  [
    'llama3 rope_scaling (head_dim 8, tied)',
    {
      model_type: 'llama',
      head_dim: 8,
      tie_word_embeddings: true,
      max_position_embeddings: 64,
      rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 },
    },
  ],
  ['yarn rope_scaling (head_dim 8, untied)', { model_type: 'qwen2', head_dim: 8, max_position_embeddings: 64, rope_scaling: { rope_type: 'yarn', factor: 4 } }],
];

function config(extra: Record<string, unknown>): DecoderConfig {
  return parseDecoderConfig({ hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 24, vocab_size: 11, rms_norm_eps: 1e-6, ...extra });
}

const { batch: B, seq: S, tokens: IDS, mask: MASK } = PADDED_BATCH;
const TARGETS = Int32Array.from([7, 1, 3, 10, 0, 0, 5, 3, 9, 0]);

function asF32(w: NamedTensors): DecoderTensors<Float32Array> {
  return Object.fromEntries(Object.entries(w).map(([k, t]) => [k, { shape: t.shape, data: Float32Array.from(t.data) }]));
}

/**
 * The compiled forward and backward against the f64 reference model. Tolerance per tensor: 1e-4 ×
 * max|reference| — the graphs are f32 throughout with MLAS's summation orders (the same budget as the
 * eager f32 path against f64 in decoder.test.ts).
 */
describe.each(CONFIGS)('compiled training step: %s', (_, extra) => {
  const c = config(extra);
  const w = livelyWeights(c, 17);
  let step: CompiledTrainStep;
  beforeAll(async () => {
    step = await CompiledTrainStep.create(c, { threads: 1, spinning: false });
  });
  afterAll(async () => step.dispose());

  it('forward: logits, target logprobs and entropies at temperature 0.7', async () => {
    const exact = CpuDecoderModel.f64(c, w);
    const logits = await exact.forward(IDS, MASK, B, S);
    const ref = logSoftmaxGatherForward(logits, TARGETS, { tokens: B * S, vocab: c.vocabSize, temperature: 0.7 });
    const f = await step.forward(asF32(w), { ids: IDS, mask: MASK, batch: B, seq: S, targets: TARGETS, temperature: 0.7 });
    expect(maxDiff(f.logits!, logits)).toBeLessThan(1e-4 * maxAbs(logits));
    expect(maxDiff(f.logprob, ref.logprob)).toBeLessThan(1e-4 * maxAbs(ref.logprob));
    expect(maxDiff(f.entropy, ref.entropy)).toBeLessThan(1e-4 * maxAbs(ref.entropy));
  });

  it('backward from d loss/d logits and from d loss/d (logprob, entropy): every parameter', async () => {
    const rng = new SeededRandom(5);
    const n = B * S;
    const gLogprob = Float64Array.from({ length: n }, () => rng.next() - 0.5);
    const gEntropy = Float64Array.from({ length: n }, () => 0.3 * (rng.next() - 0.5));
    const exact = CpuDecoderModel.f64(c, w);
    const logits = await exact.forward(IDS, MASK, B, S);
    const dlogits = logSoftmaxGatherBackward(logits, TARGETS, gLogprob, gEntropy, { tokens: n, vocab: c.vocabSize, temperature: 0.7 });
    // The model's backward returns its one gradient set, which the next backward overwrites.
    const ref = structuredClone(await exact.backward(dlogits));
    const f = await step.forward(asF32(w), { ids: IDS, mask: MASK, batch: B, seq: S, targets: TARGETS, temperature: 0.7 });
    const fromLogprob = await step.backwardFromLogprob(f, Float32Array.from(gLogprob), Float32Array.from(gEntropy));
    const fromLogits = await step.backwardFromLogits(f, Float32Array.from(dlogits));
    // Without an entropy gradient the backward takes its shorter graph.
    const noEntropyRef = await exact.backward(logSoftmaxGatherBackward(logits, TARGETS, gLogprob, null, { tokens: n, vocab: c.vocabSize, temperature: 0.7 }));
    const fromLogprobOnly = await step.backwardFromLogprob(f, Float32Array.from(gLogprob), new Float32Array(n));
    for (const s of parameterSpecs(c)) {
      const scale = maxAbs(ref[s.name]!.data);
      expect(scale).toBeGreaterThan(1e-3); // every tensor gets a real gradient
      const onlyScale = maxAbs(noEntropyRef[s.name]!.data);
      expect({ mode: 'logprob only', name: s.name, ok: maxDiff(fromLogprobOnly[s.name]!.data, noEntropyRef[s.name]!.data) <= 1e-4 * onlyScale }).toEqual({
        mode: 'logprob only',
        name: s.name,
        ok: true,
      });
      for (const [mode, g] of [
        ['logprob', fromLogprob],
        ['logits', fromLogits],
      ] as const) {
        expect({ mode, name: s.name, shape: g[s.name]!.shape, ok: maxDiff(g[s.name]!.data, ref[s.name]!.data) <= 1e-4 * scale }).toEqual({ mode, name: s.name, shape: s.shape, ok: true });
      }
    }
  });
});
