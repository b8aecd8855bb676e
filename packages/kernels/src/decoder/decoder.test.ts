import { PADDED_BATCH, livelyWeights, maxAbs, maxDiff, tinyDecoderConfig } from '../testing/decoder-fixtures.js';
import { OrtMatmul } from '../ort/ort-matmul.js';
import { type DecoderConfig, initWeights, parseDecoderConfig } from '@rlvr/core';
import type { NamedTensors } from '@rlvr/core';
import { SeededRandom, seededInts } from '@rlvr/core';
import { checkSampledGradient, dot, projection } from '../reference/finite-difference.js';
import { logSoftmaxGatherBackward, logSoftmaxGatherForward } from '../loss/log-softmax-gather.reference.js';
import type { Floats } from '../arrays.js';
import { CpuDecoderModel, DecoderModelError } from './model.js';
import { ortMatmulEngine, referenceMatmul } from './matmul-engine.js';

const tiny = tinyDecoderConfig;

const { batch: B, seq: S, tokens: TOKENS, mask: MASK } = PADDED_BATCH;

/** Mean next-token cross-entropy over real targets, and its dlogits [B, S, V] (0 at the last position and padded targets). */
function nextTokenLoss<T extends Floats>(logits: T, tokens: Int32Array, mask: Int32Array, b: number, s: number, v: number): { loss: number; dlogits: T; logprob: T } {
  const picked = new (logits.constructor as { new (n: number): T })(b * (s - 1) * v);
  const targets = new Int32Array(b * (s - 1));
  const weight = new Float64Array(b * (s - 1));
  let count = 0;
  for (let i = 0; i < b; i++) {
    for (let t = 0; t + 1 < s; t++) {
      const r = i * (s - 1) + t;
      picked.set(logits.subarray((i * s + t) * v, (i * s + t + 1) * v), r * v);
      targets[r] = tokens[i * s + t + 1]!;
      if (mask[i * s + t]! === 1 && mask[i * s + t + 1]! === 1) {
        weight[r] = 1;
        count++;
      }
    }
  }
  const { logprob } = logSoftmaxGatherForward(picked, targets, { tokens: targets.length, vocab: v });
  const loss = -dot(weight, logprob) / count;
  const g = weight.map((w) => -w / count);
  const dpicked = logSoftmaxGatherBackward(picked, targets, g, null, { tokens: targets.length, vocab: v });
  const dlogits = new (logits.constructor as { new (n: number): T })(logits.length);
  for (let i = 0; i < b; i++) {
    for (let t = 0; t + 1 < s; t++) dlogits.set(dpicked.subarray((i * (s - 1) + t) * v, (i * (s - 1) + t + 1) * v), (i * s + t) * v);
  }
  return { loss, dlogits, logprob };
}

describe('CpuDecoderModel forward', () => {
  test('one layer with identity-like weights reproduces hand-computed logits for a 1-token input', async () => {
    const eps = 1e-6;
    const c = parseDecoderConfig({
      hidden_size: 4,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      num_key_value_heads: 1,
      intermediate_size: 2,
      vocab_size: 4,
      rms_norm_eps: eps,
    });
    const w = initWeights(c, 5, 0.5); // q/k stay random: one token attends only to itself, p = 1.
    w['model.embed_tokens.weight']!.data.set([1, 2, 3, 4], 2 * 4);
    w['model.layers.0.self_attn.v_proj.weight']!.data.set([1, 0, 0, 0, 0, 1, 0, 0]);
    w['model.layers.0.self_attn.o_proj.weight']!.data.set([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    w['model.layers.0.mlp.gate_proj.weight']!.data.set([1, 0, 0, 0, 0, 0, 0, 0]);
    w['model.layers.0.mlp.up_proj.weight']!.data.set([0, 1, 0, 0, 0, 0, 0, 0]);
    w['model.layers.0.mlp.down_proj.weight']!.data.set([0, 0, 0, 0, 0, 0, 1, 0]);
    w['lm_head.weight']!.data.set([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    const logits = await CpuDecoderModel.f64(c, w).forward([2], [1], 1, 1);

    const rms = (x: number[]): number[] => {
      const r = Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length + eps);
      return x.map((v) => v / r);
    };
    const x = [1, 2, 3, 4];
    const n1 = rms(x);
    // v = n1[0..2]; both query heads share kv head 0, so o = [v, v]; o_proj = I.
    const x1 = [x[0]! + n1[0]!, x[1]! + n1[1]!, x[2]! + n1[0]!, x[3]! + n1[1]!];
    const n2 = rms(x1);
    const silu = (g: number): number => g / (1 + Math.exp(-g));
    const x2 = [x1[0]!, x1[1]!, x1[2]!, x1[3]! + silu(n2[0]!) * n2[1]!];
    const expected = rms(x2);
    for (let i = 0; i < 4; i++) expect(logits[i]).toBeCloseTo(expected[i]!, 12);
  });

  test('left padding does not change the logits of the real tokens', async () => {
    const c = tiny();
    const model = CpuDecoderModel.f64(c, livelyWeights(c, 11));
    const real = [4, 2, 9];
    const alone = await model.forward(real, [1, 1, 1], 1, 3);
    const left = await model.forward([0, 7, 4, 2, 9, ...real, 0, 0], [0, 0, 1, 1, 1, 1, 1, 1, 0, 0], 2, 5);
    // Row 0: two pads then the sequence; row 1: the sequence then right padding.
    expect(maxDiff(left.subarray(2 * 11, 5 * 11), alone)).toBeLessThan(1e-12 * maxAbs(alone));
    expect(maxDiff(left.subarray(5 * 11, 8 * 11), alone)).toBeLessThan(1e-12 * maxAbs(alone));
  });

  test('tied and untied models with equal matrices give equal logits; the tied gradient is the sum of both uses', async () => {
    const tied = tiny({ tie_word_embeddings: true });
    const w = livelyWeights(tied, 21);
    const untiedW = { ...w, 'lm_head.weight': { shape: [11, 16], data: w['model.embed_tokens.weight']!.data.slice() } };
    const a = CpuDecoderModel.f64(tied, w);
    const b = CpuDecoderModel.f64(tiny(), untiedW);
    const la = await a.forward(TOKENS, MASK, B, S);
    const lb = await b.forward(TOKENS, MASK, B, S);
    expect(Array.from(la)).toEqual(Array.from(lb));
    const c = Float64Array.from(projection(3, la.length));
    const ga = await a.backward(c);
    const gb = await b.backward(c);
    expect(ga['lm_head.weight']).toBeUndefined();
    const sum = gb['model.embed_tokens.weight']!.data.map((v, i) => v + gb['lm_head.weight']!.data[i]!);
    expect(maxDiff(ga['model.embed_tokens.weight']!.data, sum)).toBeLessThan(1e-12 * maxAbs(sum));
  });

  test('tokenLogprobs equals the log-softmax of the shifted logits', async () => {
    const c = tiny();
    const model = CpuDecoderModel.f64(c, livelyWeights(c, 31));
    const lp = await model.tokenLogprobs(TOKENS, MASK, B, S);
    const logits = await model.forward(TOKENS, MASK, B, S);
    expect(lp.length).toBe(B * (S - 1));
    for (const [bi, t] of [
      [0, 0],
      [0, 3],
      [1, 2],
      [1, 3],
    ] as const) {
      const row = Array.from(logits.subarray((bi * S + t) * 11, (bi * S + t + 1) * 11));
      const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
      expect(lp[bi * (S - 1) + t]).toBeCloseTo(row[TOKENS[bi * S + t + 1]!]! - lse, 12);
    }
  });
});

/**
 * Whole-model gradient vs central differences, in f64, on L = Σ c·logits (c a seeded projection, so
 * dlogits = c). Per entry: h = 1e-5·max(1, |w|); truncation ≈ h²|L'''|/6 ≲ 1e-9 and rounding
 * ≈ ε·|L|/h ≈ 2e-16·10/1e-5 = 2e-10 for |L| ~ 10, so FD is good to ~1e-9. Tolerance
 * |g − fd| ≤ 1e-7 + 1e-6·|fd|: 100× above that budget, while a real backward bug (a wrong sign, a
 * missing term, a transposed index) makes errors of the order of |g| itself, which is asserted ≥ 1e-3.
 */
async function gradientCheck(c: DecoderConfig, seed: number, samples: number): Promise<number> {
  const model = CpuDecoderModel.f64(c, livelyWeights(c, seed));
  const logits = await model.forward(TOKENS, MASK, B, S);
  const proj = Float64Array.from(projection(seed + 7, logits.length));
  const grads = await model.backward(proj);
  const loss = async (): Promise<number> => dot(proj, await model.forward(TOKENS, MASK, B, S));
  const rng = new SeededRandom(seed + 9);
  let worst = 0;
  let checked = 0;
  for (const [name, t] of Object.entries(model.weights())) {
    const g = grads[name]!.data;
    expect(grads[name]!.shape).toEqual(t.shape);
    expect(maxAbs(g)).toBeGreaterThan(1e-3); // a non-vacuous check: every tensor gets a real gradient
    // Always include the largest-gradient entry, then seeded random ones.
    let top = 0;
    for (let i = 1; i < g.length; i++) if (Math.abs(g[i]!) > Math.abs(g[top]!)) top = i;
    const picks = new Set<number>([top]);
    while (picks.size < Math.min(samples, t.data.length)) picks.add(Math.floor(rng.next() * t.data.length));
    worst = Math.max(worst, await checkSampledGradient(name, t.data, g, picks, loss));
    checked += picks.size;
  }
  expect(checked).toBeGreaterThan(0);
  if (process.env.DECODER_REPORT) console.log(`${c.modelType}: ${checked} entries, worst error/tolerance ${worst.toExponential(2)}, |L| = ${Math.abs(dot(proj, logits)).toFixed(2)}`);
  return worst;
}

describe('CpuDecoderModel backward (f64 finite differences)', () => {
  test('Qwen2 (q/k/v bias, untied, GQA, left padding): every parameter tensor', async () => {
    const worst = await gradientCheck(tiny(), 101, 8);
    expect(worst).toBeLessThanOrEqual(1);
  });

  test('Llama with attention_bias (o_proj bias too) and tied embeddings: every parameter tensor', async () => {
    const c = tiny({ model_type: 'llama', attention_bias: true, tie_word_embeddings: true });
    expect(c.oProjBias).toBe(true);
    const worst = await gradientCheck(c, 202, 8);
    expect(worst).toBeLessThanOrEqual(1);
  });

  test('Qwen3 (per-head q/k RMSNorm, head_dim ≠ hidden / heads, tied): every parameter tensor', async () => {
    const c = tiny({ model_type: 'qwen3', head_dim: 6, tie_word_embeddings: true });
    expect(c.qkNorm).toBe(true);
    const worst = await gradientCheck(c, 505, 8);
    expect(worst).toBeLessThanOrEqual(1);
  });

  test('Qwen3 with attention_bias (all four projections), untied: every parameter tensor', async () => {
    const c = tiny({ model_type: 'qwen3', head_dim: 8, attention_bias: true });
    expect(c.oProjBias).toBe(true);
    const worst = await gradientCheck(c, 606, 8);
    expect(worst).toBeLessThanOrEqual(1);
  });
});

describe('Qwen3 q/k norm', () => {
  /** Multiply the rows of one head of a projection weight (and its bias) by `factor`, in place. */
  function scaleHead(w: NamedTensors, name: string, head: number, headDim: number, hidden: number, factor: number): void {
    const data = w[name]!.data;
    for (let i = head * headDim * hidden; i < (head + 1) * headDim * hidden; i++) data[i]! *= factor;
  }

  test("is per head over head_dim: scaling one head's q or k projection leaves the logits unchanged; without it they change", async () => {
    const qwen3 = tiny({ model_type: 'qwen3', head_dim: 6 });
    const w = livelyWeights(qwen3, 707);
    const base = await CpuDecoderModel.f64(qwen3, w).forward(TOKENS, MASK, B, S);
    const scaled = structuredClone(w);
    scaleHead(scaled, 'model.layers.0.self_attn.q_proj.weight', 1, 6, 16, 7.5);
    scaleHead(scaled, 'model.layers.1.self_attn.k_proj.weight', 0, 6, 16, 0.2);
    const after = await CpuDecoderModel.f64(qwen3, scaled).forward(TOKENS, MASK, B, S);
    // Only eps (1e-6) in the RMS sees the scale: rstd moves by ≲ eps / mean(k²) ≈ 1e-6 / 0.05 (k shrunk
    // 5×) = 2e-5 relative, and the logits by less; without the norm the change is of order one.
    expect(maxDiff(after, base)).toBeLessThan(1e-4 * maxAbs(base));
    const withoutNorm = tiny({ model_type: 'llama', head_dim: 6 });
    const plain = Object.fromEntries(Object.entries(w).filter(([name]) => !name.includes('_norm.')));
    const plainScaled = Object.fromEntries(Object.entries(scaled).filter(([name]) => !name.includes('_norm.')));
    const a = await CpuDecoderModel.f64(withoutNorm, plain).forward(TOKENS, MASK, B, S);
    const b = await CpuDecoderModel.f64(withoutNorm, plainScaled).forward(TOKENS, MASK, B, S);
    expect(maxDiff(a, b)).toBeGreaterThan(1e-3 * maxAbs(a));
  });

  test('a zero q_norm gain gives uniform attention, exactly as a zero q projection does', async () => {
    const c = tiny({ model_type: 'qwen3', head_dim: 6, num_hidden_layers: 1 });
    const w = livelyWeights(c, 808);
    const base = await CpuDecoderModel.f64(c, w).forward(TOKENS, MASK, B, S);
    const zeroed = structuredClone(w);
    zeroed['model.layers.0.self_attn.q_norm.weight']!.data.fill(0);
    // With q̂ = 0 every score is 0: attention is uniform over the allowed keys, as if q_proj were zero.
    const uniform = await CpuDecoderModel.f64(c, zeroed).forward(TOKENS, MASK, B, S);
    const zeroQ = structuredClone(w);
    zeroQ['model.layers.0.self_attn.q_proj.weight']!.data.fill(0);
    zeroQ['model.layers.0.self_attn.q_norm.weight']!.data.fill(1);
    const viaProj = await CpuDecoderModel.f64(c, zeroQ).forward(TOKENS, MASK, B, S);
    expect(maxDiff(uniform, viaProj)).toBeLessThan(1e-12 * maxAbs(viaProj));
    expect(maxDiff(uniform, base)).toBeGreaterThan(1e-3 * maxAbs(base));
  });
});

describe('CpuDecoderModel on ONNX Runtime', () => {
  const ort = new OrtMatmul({ threads: 2 });
  afterAll(async () => ort.dispose());

  /**
   * f32 ORT vs f32 reference, both against the f64 model: each f32 path is a chain of f32-rounded
   * ops, so per tensor we allow 1e-4 · max|x| (a few hundred f32 ulps of the tensor's scale after
   * ~30 rounded ops and length-96 reductions with different summation orders; measured: see report).
   */
  test('logits and every gradient agree with the reference engine in f32', async () => {
    const c = parseDecoderConfig({
      model_type: 'qwen2',
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      intermediate_size: 96,
      vocab_size: 50,
    });
    const w = livelyWeights(c, 303);
    const b = 3;
    const s = 16;
    const tokens = seededInts(7, b * s, 50);
    const mask = new Int32Array(b * s).fill(1);
    mask.fill(0, s, s + 5); // left padding of row 1
    const fast = CpuDecoderModel.f32(c, w, ortMatmulEngine(ort));
    const ref = CpuDecoderModel.f32(c, w, referenceMatmul);
    const exact = CpuDecoderModel.f64(c, w);
    const lf = await fast.forward(tokens, mask, b, s);
    const lr = await ref.forward(tokens, mask, b, s);
    const le = await exact.forward(tokens, mask, b, s);
    expect(maxDiff(lf, lr)).toBeLessThan(1e-4 * maxAbs(le));
    expect(maxDiff(lr, le)).toBeLessThan(1e-4 * maxAbs(le));
    const proj = Float32Array.from(projection(5, lf.length));
    const gf = await fast.backward(proj);
    const gr = await ref.backward(proj.slice());
    const ge = await exact.backward(Float64Array.from(proj));
    if (process.env.DECODER_REPORT) console.log(`logits: ort-ref ${(maxDiff(lf, lr) / maxAbs(le)).toExponential(2)}, ref-f64 ${(maxDiff(lr, le) / maxAbs(le)).toExponential(2)} (× max|logit|)`);
    let worstFast = 0;
    let worstRef = 0;
    for (const name of Object.keys(ge)) {
      const scale = maxAbs(ge[name]!.data);
      worstFast = Math.max(worstFast, maxDiff(gf[name]!.data, gr[name]!.data) / scale);
      worstRef = Math.max(worstRef, maxDiff(gr[name]!.data, ge[name]!.data) / scale);
      expect({ name, ok: maxDiff(gf[name]!.data, gr[name]!.data) < 1e-4 * scale }).toEqual({ name, ok: true });
      expect({ name, ok: maxDiff(gr[name]!.data, ge[name]!.data) < 1e-4 * scale }).toEqual({ name, ok: true });
    }
    if (process.env.DECODER_REPORT) console.log(`gradients: ort-ref ${worstFast.toExponential(2)}, ref-f64 ${worstRef.toExponential(2)} (× max|g| per tensor)`);
  });

  /**
   * The fast ops (the `<op>.cpu.ts` files) against the all-reference f32 path on the tiny configs (GQA, left
   * padding, biases, tied and untied). Tolerance per tensor, × max|reference|: 1e-5 for fast ops on
   * the reference engine (same f64-accumulated products; only rstd storage and f32-stored scores and
   * probabilities differ), 1e-4 on ORT (f32 sgemm rounding compounds over ~30 ops, as in the test above).
   */
  test.each([
    ['Qwen2 (q/k/v bias, untied)', {}],
    ['Llama (attention_bias, tied)', { model_type: 'llama', attention_bias: true, tie_word_embeddings: true }],
    ['Qwen3 (q/k norm, head_dim 6, tied)', { model_type: 'qwen3', head_dim: 6, tie_word_embeddings: true }],
  ] as const)('fast ops equal the reference ops in f32: %s', async (_, extra) => {
    const c = tiny(extra);
    const w = livelyWeights(c, 404);
    const ref = CpuDecoderModel.f32(c, w);
    expect(ref.ops).toBe('reference');
    const fastOrt = CpuDecoderModel.f32(c, w, ortMatmulEngine(ort));
    expect(fastOrt.ops).toBe('fast');
    const fastRef = CpuDecoderModel.f32(c, w, referenceMatmul, { ops: 'fast' });
    const lr = await ref.forward(TOKENS, MASK, B, S);
    const proj = Float32Array.from(projection(9, lr.length));
    const gr = await ref.backward(proj);
    for (const [model, tol] of [
      [fastRef, 1e-5],
      [fastOrt, 1e-4],
    ] as const) {
      // Twice: the second call reuses the attention workspace and must give the same answer.
      for (let rep = 0; rep < 2; rep++) {
        const lf = await model.forward(TOKENS, MASK, B, S);
        expect(maxDiff(lf, lr)).toBeLessThanOrEqual(tol * maxAbs(lr));
        const gf = await model.backward(proj);
        expect(Object.keys(gf).sort()).toEqual(Object.keys(gr).sort());
        for (const name of Object.keys(gr)) {
          const scale = maxAbs(gr[name]!.data);
          expect({ name, ok: maxDiff(gf[name]!.data, gr[name]!.data) <= tol * scale }).toEqual({ name, ok: true });
        }
      }
    }
  });
});

describe('CpuDecoderModel AdamW', () => {
  async function train(steps: number): Promise<number[]> {
    const c = tiny();
    const model = CpuDecoderModel.f32(c, initWeights(c, 41));
    const state = model.createAdamWState();
    // A learnable pattern: next = (3·t + 1) mod 11.
    const tokens = new Int32Array(B * S);
    for (let i = 0; i < B; i++) {
      let t = i * 4 + 2;
      for (let j = 0; j < S; j++) {
        tokens[i * S + j] = t;
        t = (3 * t + 1) % 11;
      }
    }
    const losses: number[] = [];
    for (let k = 0; k <= steps; k++) {
      const logits = await model.forward(tokens, MASK, B, S);
      const { loss, dlogits } = nextTokenLoss(logits, tokens, MASK, B, S, 11);
      losses.push(loss);
      if (k === steps) break;
      await model.backward(dlogits);
      model.step(state, { lr: 3e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    }
    expect(state.step).toBe(steps);
    return losses;
  }

  test('a few steps lower the next-token cross-entropy, deterministically', async () => {
    const a = await train(8);
    const b = await train(8);
    expect(b).toEqual(a);
    expect(a[0]).toBeCloseTo(Math.log(11), 1); // 0.02-std init: near-uniform predictions
    expect(a[8]!).toBeLessThan(0.7 * a[0]!);
  });

  test('the helper loss gradient matches tokenLogprobs (sanity of the test harness)', async () => {
    const c = tiny();
    const model = CpuDecoderModel.f64(c, livelyWeights(c, 51));
    const logits = await model.forward(TOKENS, MASK, B, S);
    const lp = await model.tokenLogprobs(TOKENS, MASK, B, S);
    expect(maxDiff(nextTokenLoss(logits, TOKENS, MASK, B, S, 11).logprob, lp)).toBe(0);
  });
});

describe('CpuDecoderModel errors', () => {
  const c = tiny();
  test('missing, misshapen and non-finite tensors are named', () => {
    const w = livelyWeights(c, 61);
    delete w['model.layers.1.self_attn.k_proj.bias'];
    w['model.layers.0.mlp.up_proj.weight'] = { shape: [16, 24], data: new Float32Array(384) };
    w['model.norm.weight']!.data[3] = NaN;
    let message = '';
    try {
      CpuDecoderModel.f32(c, w);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('model.layers.1.self_attn.k_proj.bias: missing');
    expect(message).toContain('model.layers.0.mlp.up_proj.weight: shape [16, 24], expected [24, 16]');
    expect(message).toContain('model.norm.weight: 1 non-finite');
  });

  test('an unexpected tensor (o_proj bias on Qwen2) is named', () => {
    const w = livelyWeights(c, 62);
    w['model.layers.0.self_attn.o_proj.bias'] = { shape: [16], data: new Float32Array(16) };
    expect(() => CpuDecoderModel.f32(c, w)).toThrow(/model\.layers\.0\.self_attn\.o_proj\.bias: unexpected/);
  });

  test('bad configs name the key', () => {
    expect(() => tiny({ num_key_value_heads: 3 })).toThrow(/num_key_value_heads/);
  });

  test('bad tokens, masks, dlogits and call order are named', async () => {
    const model = CpuDecoderModel.f32(c, livelyWeights(c, 63));
    await expect(model.backward(new Float32Array(B * S * 11))).rejects.toThrow(DecoderModelError);
    expect(() => model.step(model.createAdamWState(), { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 })).toThrow(/step: no gradients/);
    await expect(model.forward([1, 2, 11], [1, 1, 1], 1, 3)).rejects.toThrow(/tokens\[2\]: expected a token id in \[0, 11\), got 11/);
    await expect(model.forward([1, 2, 3], [1, 2, 1], 1, 3)).rejects.toThrow(/mask\[1\]: expected 0 or 1/);
    await expect(model.forward([1, 2, 3], [1, 1], 1, 3)).rejects.toThrow(/mask: expected 3 entries/);
    await model.forward([1, 2, 3], [1, 1, 1], 1, 3);
    await expect(model.backward(new Float32Array(5))).rejects.toThrow(/dlogits: expected 33 values/);
  });
});
