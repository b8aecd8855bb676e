import { type DecoderConfig, SeededRandom, parseDecoderConfig, seededFloats, seededInts } from '@rlvr/core';
import { PADDED_BATCH, livelyWeights, maxAbs, maxDiff, tinyDecoderConfig } from '../testing/decoder-fixtures.js';
import { checkSampledGradient, dot, projection } from '../reference/finite-difference.js';
import { CpuDecoderModel } from '../decoder/model.js';
import { ortMatmulEngine } from '../decoder/matmul-engine.js';
import { OrtMatmul } from '../ort/ort-matmul.js';
import { KernelOptionError } from '../errors.js';
import { LoraAdapters } from './lora-adapters.js';
import { type LoraSettings, loraScale, loraTargets } from './lora-spec.js';

/** GQA, q/k/v bias, untied: every wrapped Linear has a distinct shape. */
const tiny = tinyDecoderConfig;

const SETTINGS: LoraSettings = { rank: 3, alpha: 6, dropout: 0, targetModules: 'all-linear', useRslora: false };
const { batch: B, seq: S, tokens: TOKENS, mask: MASK } = PADDED_BATCH;

/** Adapters with B ≠ 0 too (a fresh B is zero, which would hide dA), O(1) like livelyWeights. */
function livelyAdapters<T extends Float32Array | Float64Array>(c: DecoderConfig, settings: LoraSettings, seed: number, alloc: (n: number) => T): LoraAdapters<T> {
  const fresh = LoraAdapters.init(c, settings, seed, alloc);
  const tensors = Object.fromEntries(Object.entries(fresh.params).map(([name, t], i) => [name, { shape: t.shape, data: seededFloats(seed + 100 + i, t.data.length, 0.5) }]));
  return LoraAdapters.load(c, settings, tensors, alloc);
}

describe('LoRA settings and PEFT layout', () => {
  test('tensor names and shapes are PEFT’s saved ones; all-linear wraps the seven block Linears, not the head', () => {
    const targets = loraTargets(tiny(), SETTINGS);
    expect(targets).toHaveLength(2 * 7);
    expect(targets[0]!.a).toBe('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight');
    expect(targets[13]!.b).toBe('base_model.model.model.layers.1.mlp.down_proj.lora_B.weight');
    const adapters = LoraAdapters.init(tiny(), SETTINGS, 1, (n) => new Float32Array(n));
    // k_proj of GQA: in 16, out 2 kv heads × 4 = 8.
    expect(adapters.params['base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight']!.shape).toEqual([3, 16]);
    expect(adapters.params['base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight']!.shape).toEqual([8, 3]);
    expect(adapters.params['base_model.model.model.layers.0.mlp.down_proj.lora_A.weight']!.shape).toEqual([3, 24]);
    const some = loraTargets(tiny(), { ...SETTINGS, targetModules: ['v_proj', 'q_proj'] });
    expect(some.map((t) => `${t.layer}.${t.module}`)).toEqual(['0.q_proj', '0.v_proj', '1.q_proj', '1.v_proj']);
  });

  test('scale is α/r, or α/√r with rsLoRA', () => {
    expect(loraScale(SETTINGS)).toBe(2);
    expect(loraScale({ ...SETTINGS, rank: 4, alpha: 8, useRslora: true })).toBe(4);
  });

  test('bad settings name the key and the value', () => {
    const bad = (over: Partial<LoraSettings>): string => {
      try {
        loraTargets(tiny(), { ...SETTINGS, ...over });
      } catch (error) {
        expect(error).toBeInstanceOf(KernelOptionError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ rank: 0 })).toBe('lora.rank: expected an integer ≥ 1, got 0');
    expect(bad({ alpha: -1 })).toContain('lora.alpha');
    expect(bad({ dropout: 1 })).toContain('lora.dropout: expected a number in [0, 1), got 1');
    expect(bad({ targetModules: ['q_proj', 'qkv'] })).toContain('lora.targetModules');
    expect(bad({ targetModules: ['q_proj', 'qkv'] })).toContain('"qkv"');
  });

  test('init is PEFT’s: A uniform in ±1/√in from the seed, B zero, so the adapted model starts as the base', async () => {
    const c = tiny();
    const a1 = LoraAdapters.init(c, SETTINGS, 7, (n) => new Float64Array(n));
    const a2 = LoraAdapters.init(c, SETTINGS, 7, (n) => new Float64Array(n));
    for (const t of a1.targets) {
      const a = a1.params[t.a]!.data;
      expect(maxAbs(a)).toBeLessThanOrEqual(1 / Math.sqrt(t.base.in));
      expect(maxAbs(a)).toBeGreaterThan(0.5 / Math.sqrt(t.base.in));
      expect(maxAbs(a1.params[t.b]!.data)).toBe(0);
      expect(Array.from(a)).toEqual(Array.from(a2.params[t.a]!.data));
    }
    const w = livelyWeights(c, 11);
    const base = await CpuDecoderModel.f64(c, w).forward(TOKENS, MASK, B, S);
    const adapted = await CpuDecoderModel.f64(c, w, a1).forward(TOKENS, MASK, B, S);
    expect(Array.from(adapted)).toEqual(Array.from(base));
  });

  test('gaussian init (PEFT’s init_lora_weights="gaussian"): A has std 1/r, B zero', () => {
    const settings = { ...SETTINGS, rank: 4 };
    const adapters = LoraAdapters.init(tiny(), settings, 9, (n) => new Float64Array(n), 'gaussian');
    const values = adapters.targets.flatMap((t) => Array.from(adapters.params[t.a]!.data));
    const std = Math.sqrt(values.reduce((a, x) => a + x * x, 0) / values.length);
    // 960 draws: the sample std is within 10% of 1/r = 0.25 with overwhelming probability (its own sd is ~2.3%).
    expect(values.length).toBe(960);
    expect(Math.abs(std - 0.25)).toBeLessThan(0.025);
    for (const t of adapters.targets) expect(maxAbs(adapters.params[t.b]!.data)).toBe(0);
  });

  test('loading refuses a missing, misshapen or unexpected tensor, naming it', () => {
    const c = tiny();
    const good = LoraAdapters.init(c, SETTINGS, 1, (n) => new Float32Array(n)).params;
    const alloc = (n: number): Float32Array => new Float32Array(n);
    const name = 'base_model.model.model.layers.1.self_attn.o_proj.lora_B.weight';
    const { [name]: _dropped, ...missing } = good;
    expect(() => LoraAdapters.load(c, SETTINGS, missing, alloc)).toThrow(`LoRA adapter: ${name} missing`);
    expect(() => LoraAdapters.load(c, { ...SETTINGS, rank: 2 }, good, alloc)).toThrow('expected [2, 16] (rank 2)');
    expect(() => LoraAdapters.load(c, SETTINGS, { ...good, 'x.lora_A.weight': good[name]! }, alloc)).toThrow('unexpected tensor x.lora_A.weight');
  });
});

/**
 * FD of L = ⟨proj, logits⟩ for sampled entries of every A and B (f64, h = 1e-5; tolerance as the
 * decoder's own check: 1e-7 + 1e-6·|fd|). Also asserts that only adapter tensors got gradients.
 */
async function loraGradientCheck(c: DecoderConfig, settings: LoraSettings, seed: number, key: number | null): Promise<number> {
  const adapters = livelyAdapters(c, settings, seed, (n) => new Float64Array(n));
  adapters.dropoutKey = key;
  const model = CpuDecoderModel.f64(c, livelyWeights(c, seed), adapters);
  const logits = await model.forward(TOKENS, MASK, B, S);
  const proj = Float64Array.from(projection(seed + 7, logits.length));
  const grads = await model.backward(proj);
  expect(Object.keys(grads).sort()).toEqual(Object.keys(adapters.params).sort());
  const loss = async (): Promise<number> => dot(proj, await model.forward(TOKENS, MASK, B, S));
  const rng = new SeededRandom(seed + 9);
  let worst = 0;
  for (const [name, t] of Object.entries(adapters.params)) {
    const g = grads[name]!.data;
    expect(maxAbs(g)).toBeGreaterThan(1e-3);
    const picks = new Set<number>();
    while (picks.size < Math.min(4, t.data.length)) picks.add(Math.floor(rng.next() * t.data.length));
    worst = Math.max(worst, await checkSampledGradient(name, t.data, g, picks, loss));
  }
  return worst;
}

describe('LoRA gradients (f64 finite differences)', () => {
  test('all-linear, Qwen2 with q/k/v bias and GQA: every A and B', async () => {
    expect(await loraGradientCheck(tiny(), SETTINGS, 31, null)).toBeLessThanOrEqual(1);
  });

  test('dropout 0.3 under a fixed key, rsLoRA, q/v/down only, Llama tied: every A and B', async () => {
    const c = tiny({ model_type: 'llama', tie_word_embeddings: true });
    const settings: LoraSettings = { ...SETTINGS, dropout: 0.3, useRslora: true, targetModules: ['q_proj', 'v_proj', 'down_proj'] };
    expect(await loraGradientCheck(c, settings, 41, 12345)).toBeLessThanOrEqual(1);
  });
});

describe('LoRA on the cpu engine', () => {
  const ort = new OrtMatmul({ threads: 2 });
  afterAll(async () => ort.dispose());
  const c = parseDecoderConfig({
    model_type: 'qwen2',
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    intermediate_size: 96,
    vocab_size: 50,
  });
  const b = 3;
  const s = 16;
  const tokens = seededInts(7, b * s, 50);
  const mask = new Int32Array(b * s).fill(1);
  mask.fill(0, s, s + 5);

  /**
   * Fast f32 ops on ONNX Runtime (with dropout, and with checkpointed layers re-running their forward)
   * against the f64 reference: logits and every adapter gradient within 1e-4 of their scale, the
   * decoder's own f32 budget.
   */
  test.each([
    ['no checkpointing', {}],
    ['every layer checkpointed', { checkpointLayers: true as const, recomputeAttention: true }],
  ])('logits and A/B gradients agree with the f64 reference (%s)', async (_label, memory) => {
    const settings: LoraSettings = { ...SETTINGS, rank: 4, alpha: 8, dropout: 0.1 };
    const w = livelyWeights(c, 303);
    const fastLora = livelyAdapters(c, settings, 5, (n) => new Float32Array(n));
    const exactLora = livelyAdapters(c, settings, 5, (n) => new Float64Array(n));
    fastLora.dropoutKey = 99;
    exactLora.dropoutKey = 99;
    const fast = CpuDecoderModel.f32(c, w, ortMatmulEngine(ort), { lora: fastLora, memory });
    const exact = CpuDecoderModel.f64(c, w, exactLora);
    const lf = await fast.forward(tokens, mask, b, s);
    const le = await exact.forward(tokens, mask, b, s);
    expect(maxDiff(lf, le)).toBeLessThan(1e-4 * maxAbs(le));
    const proj = Float32Array.from(projection(5, lf.length));
    const gf = await fast.backward(proj);
    const ge = await exact.backward(Float64Array.from(proj));
    expect(Object.keys(gf).sort()).toEqual(Object.keys(ge).sort());
    for (const name of Object.keys(ge)) {
      expect(maxDiff(gf[name]!.data, ge[name]!.data)).toBeLessThan(1e-4 * maxAbs(ge[name]!.data));
    }
    // The dropout changed the result (a check that would pass without it is no check).
    exactLora.dropoutKey = null;
    expect(maxDiff(await exact.forward(tokens, mask, b, s), le)).toBeGreaterThan(1e-3 * maxAbs(le));
  });

  test('merged weights W + scale·B·A give the adapted model’s logits (f32)', async () => {
    const settings: LoraSettings = { ...SETTINGS, rank: 4, alpha: 8 };
    const w = livelyWeights(c, 404);
    const lora = livelyAdapters(c, settings, 6, (n) => new Float32Array(n));
    const engine = ortMatmulEngine(ort);
    const adapted = await CpuDecoderModel.f32(c, w, engine, { lora }).forward(tokens, mask, b, s);
    const merged = await lora.merge(w, engine);
    const plain = await CpuDecoderModel.f32(c, merged, engine).forward(tokens, mask, b, s);
    const base = await CpuDecoderModel.f32(c, w, engine).forward(tokens, mask, b, s);
    expect(maxDiff(plain, adapted)).toBeLessThan(1e-5 * maxAbs(adapted));
    expect(maxDiff(base, adapted)).toBeGreaterThan(1e-2 * maxAbs(adapted));
    // The engine merge and the f64-summed one agree.
    const loop = await lora.merge(w);
    const name = 'model.layers.1.mlp.up_proj.weight';
    expect(maxDiff(loop[name]!.data, merged[name]!.data)).toBeLessThan(1e-5 * maxAbs(loop[name]!.data));
  });

  test('an AdamW step changes only the adapters; the base weights stay bit-identical', async () => {
    const w = livelyWeights(c, 505);
    const lora = livelyAdapters(c, SETTINGS, 8, (n) => new Float32Array(n));
    const model = CpuDecoderModel.f32(c, w, ortMatmulEngine(ort), { lora });
    const before = Object.fromEntries(Object.entries(model.weights()).map(([n, t]) => [n, t.data.slice()]));
    const a0 = Object.fromEntries(Object.entries(lora.params).map(([n, t]) => [n, t.data.slice()]));
    const logits = await model.forward(tokens, mask, b, s);
    await model.backward(Float32Array.from(projection(3, logits.length)));
    const state = model.createAdamWState();
    expect(Object.keys(state.m).sort()).toEqual(Object.keys(lora.params).sort());
    model.step(state, { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    for (const [name, t] of Object.entries(model.weights())) expect(t.data).toEqual(before[name]);
    for (const [name, t] of Object.entries(lora.params)) expect(maxDiff(t.data, a0[name]!)).toBeGreaterThan(1e-4);
  });
});
