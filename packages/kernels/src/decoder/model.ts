/**
 * The Llama/Qwen2 decoder (DESIGN.md "The policy model") composed from the plain CPU references, with
 * its matrix products on an injectable {@link MatmulEngine}: embedding; N × [RMSNorm → q/k/v (+bias) →
 * RoPE → causal GQA attention with padding mask → o_proj (+bias) → residual; RMSNorm → SwiGLU MLP →
 * residual]; final RMSNorm; LM head (tied to the embedding or not).
 *
 * Layouts (row-major, tokens = batch·seq, token index b·seq + s):
 *   tokens, mask: [batch, seq] (mask 1 = token, 0 = padding, HF `attention_mask`; left padding works
 *   because positions come from {@link positionsFromMask});
 *   logits, dlogits: [batch, seq, vocab]; weights and gradients: Hugging Face names and shapes,
 *   Linear weights in PyTorch layout [out, in], so y = x·Wᵀ + b.
 * Precision: the model holds its parameters and activations as T (Float32Array in production,
 * Float64Array for gradient checks); the references accumulate in f64 either way.
 * Padded positions are computed like any other (their logits are garbage-but-finite, as in HF); a
 * caller that does not want them to learn passes zero dlogits there.
 */
import type { DecoderConfig, ParameterSpec } from '../model/config.js';
import { parameterSpecs, validateWeights } from '../model/config.js';
import type { NamedTensors } from '../model/safetensors.js';
import { KernelsError } from '../errors.js';
import { type Floats, type Ints, allocLike } from '../reference/common.js';
import { adamwStep, type AdamWOptions } from '../reference/adamw.js';
import { attentionBackward, attentionForward, type AttentionDims } from '../reference/attention.js';
import { embeddingBackward, embeddingForward } from '../reference/embedding.js';
import { logSoftmaxGatherForward } from '../reference/log-softmax-gather.js';
import { rmsNormBackward, rmsNormForward } from '../reference/rmsnorm.js';
import { positionsFromMask, ropeBackward, ropeForward } from '../reference/rope.js';
import { swigluBackward, swigluForward } from '../reference/swiglu.js';
import { type MatmulEngine, referenceMatmul } from './matmul-engine.js';

/** One named tensor of kind T (Hugging Face name → shape and row-major data). */
export interface DecoderTensor<T extends Floats> {
  shape: number[];
  data: T;
}

/** Named tensors of kind T, keyed by Hugging Face parameter name. */
export type DecoderTensors<T extends Floats> = Record<string, DecoderTensor<T>>;

/** Misuse of a {@link CpuDecoderModel} (bad tokens/mask/dlogits, backward before forward, …); the message names the argument. */
export class DecoderModelError extends KernelsError {
  override readonly name = 'DecoderModelError';
}

/** Per-parameter AdamW moments and the step counter, created by {@link CpuDecoderModel.createAdamWState}. */
export interface AdamWState<T extends Floats> {
  /** Steps taken so far (the next step uses t = step + 1). */
  step: number;
  /** First moments, one per parameter name. */
  m: Record<string, T>;
  /** Second moments, one per parameter name. */
  v: Record<string, T>;
}

/** Options of {@link CpuDecoderModel.step}: AdamW hyperparameters plus which parameters decay. */
export interface DecoderStepOptions extends AdamWOptions {
  /**
   * Apply weight decay to norms and biases too. Default false: HF Trainer's convention (decay only on
   * matrices), since decaying RMSNorm gains towards 0 shrinks activations for no regularising gain.
   */
  decayNormsAndBiases?: boolean;
}

/** Activations of one block that the backward needs. */
interface LayerCache<T extends Floats> {
  x: T; n1: T; q: T; k: T; v: T; o: T; x1: T; n2: T; gate: T; up: T; h: T;
}

/** Everything a forward saves for its backward. */
interface ForwardCache<T extends Floats> {
  batch: number; seq: number; tokens: Int32Array; mask: Int32Array; positions: Int32Array;
  layers: LayerCache<T>[]; xFinal: T; nFinal: T;
}

const EMBED = 'model.embed_tokens.weight';
const LM_HEAD = 'lm_head.weight';

/** Layer i's parameter name for `suffix`. */
function layerName(i: number, suffix: string): string {
  return `model.layers.${i}.${suffix}`;
}

/** Adds bias [n] to every row of y [rows, n] in place. */
function addBias(y: Floats, bias: Floats): void {
  const n = bias.length;
  for (let r = 0; r < y.length; r += n) for (let j = 0; j < n; j++) y[r + j] = y[r + j]! + bias[j]!;
}

/** Column sums of dy [rows, n]: the gradient of a bias, accumulated in f64. */
function columnSums<T extends Floats>(dy: T, n: number): T {
  const acc = new Float64Array(n);
  for (let r = 0; r < dy.length; r += n) for (let j = 0; j < n; j++) acc[j] = acc[j]! + dy[r + j]!;
  const out = allocLike(dy, n);
  out.set(acc);
  return out;
}

/** a += b element-wise, in place (gradient accumulation; one rounding per add). */
function addInto(a: Floats, b: Floats): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
}

/** Copies ids into an Int32Array after checking length and that every entry is an integer. */
function toInt32(name: string, ids: Ints, n: number, check: (v: number) => boolean, allowed: string): Int32Array {
  if (ids.length !== n) throw new DecoderModelError(`${name}: expected ${n} entries ([batch, seq]), got ${ids.length}`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = ids[i]!;
    if (!Number.isInteger(v) || !check(v)) throw new DecoderModelError(`${name}[${i}]: expected ${allowed}, got ${v}`);
    out[i] = v;
  }
  return out;
}

/**
 * The decoder on the CPU: forward to logits, backward to named gradients, AdamW step. Build it with
 * {@link CpuDecoderModel.f32} or {@link CpuDecoderModel.f64}. Methods are async because the ORT
 * engine is; calls must not interleave (one forward's cache is kept for the next backward).
 */
export class CpuDecoderModel<T extends Floats> {
  /** The validated configuration. */
  readonly config: DecoderConfig;
  /** The matrix-product engine in use. */
  readonly engine: MatmulEngine<T>;
  private readonly specs: ParameterSpec[];
  private readonly params: DecoderTensors<T> = {};
  private readonly alloc: (n: number) => T;
  private cache: ForwardCache<T> | undefined;
  private gradients: DecoderTensors<T> | undefined;

  private constructor(config: DecoderConfig, weights: Record<string, { shape: number[]; data: ArrayLike<number> }>, engine: MatmulEngine<T>, alloc: (n: number) => T) {
    // validateWeights only reads lengths and values, so a Float64Array-backed record checks the same way.
    validateWeights(config, weights as unknown as NamedTensors);
    this.config = config;
    this.engine = engine;
    this.alloc = alloc;
    // A tied checkpoint that also ships lm_head.weight (equal to the embedding, checked above) drops it.
    this.specs = parameterSpecs(config);
    for (const s of this.specs) {
      const src = weights[s.name]!;
      const data = alloc(src.data.length);
      data.set(src.data);
      this.params[s.name] = { shape: [...s.shape], data };
    }
  }

  /** A Float32 model (production); weights are copied, validated first (errors name the tensor). */
  static f32(config: DecoderConfig, weights: Record<string, { shape: number[]; data: ArrayLike<number> }>, engine: MatmulEngine<Float32Array> = referenceMatmul): CpuDecoderModel<Float32Array> {
    return new CpuDecoderModel<Float32Array>(config, weights, engine, (n) => new Float32Array(n));
  }

  /** A Float64 model on the reference engine, for finite-difference checks; weights are copied. */
  static f64(config: DecoderConfig, weights: Record<string, { shape: number[]; data: ArrayLike<number> }>): CpuDecoderModel<Float64Array> {
    return new CpuDecoderModel<Float64Array>(config, weights, referenceMatmul, (n) => new Float64Array(n));
  }

  /**
   * The live parameters by Hugging Face name — views, not copies: writing into them changes the
   * model (the FD check and a loader rely on that); copy with `data.slice()` to keep a snapshot.
   * Tied models have no `lm_head.weight` entry.
   */
  weights(): DecoderTensors<T> {
    return this.params;
  }

  private p(name: string): T {
    return this.params[name]!.data;
  }

  /** y [rows, out] = x [rows, in] · Wᵀ (+ bias): a PyTorch Linear with W [out, in]. */
  private async linear(x: T, name: string, bias: string | null, rows: number): Promise<T> {
    const [out, inp] = this.params[name]!.shape as [number, number];
    const y = await this.engine.matmul(x, this.p(name), { m: rows, n: out, k: inp, transB: true });
    if (bias) addBias(y, this.p(bias));
    return y;
  }

  /** Backward of a Linear: accumulates dW (and db) into `grads`, returns dx = dy·W. */
  private async linearBackward(dy: T, x: T, name: string, bias: string | null, rows: number, grads: DecoderTensors<T>): Promise<T> {
    const [out, inp] = this.params[name]!.shape as [number, number];
    const dw = await this.engine.matmul(dy, x, { m: out, n: inp, k: rows, transA: true });
    addInto(grads[name]!.data, dw);
    if (bias) addInto(grads[bias]!.data, columnSums(dy, out));
    return this.engine.matmul(dy, this.p(name), { m: rows, n: inp, k: out });
  }

  /** Logits [batch, seq, vocab] of tokens [batch, seq] under mask [batch, seq]; saves the activations for {@link backward}. */
  async forward(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<T> {
    const c = this.config;
    if (!Number.isInteger(batch) || batch < 1) throw new DecoderModelError(`batch: expected an integer ≥ 1, got ${batch}`);
    if (!Number.isInteger(seq) || seq < 1) throw new DecoderModelError(`seq: expected an integer ≥ 1, got ${seq}`);
    const n = batch * seq;
    const ids = toInt32('tokens', tokens, n, (v) => v >= 0 && v < c.vocabSize, `a token id in [0, ${c.vocabSize})`);
    const m = toInt32('mask', mask, n, (v) => v === 0 || v === 1, '0 or 1');
    const positions = positionsFromMask(m, batch, seq);
    const hidden = c.hiddenSize;
    const norm = { rows: n, hidden, eps: c.rmsNormEps };
    const attn: AttentionDims = { batch, seq, numHeads: c.numAttentionHeads, numKvHeads: c.numKeyValueHeads, headDim: c.headDim };
    const rope = { tokens: n, headDim: c.headDim, theta: c.ropeTheta };

    let x = embeddingForward(this.p(EMBED), ids, { vocab: c.vocabSize, hidden });
    const layers: LayerCache<T>[] = [];
    for (let i = 0; i < c.numHiddenLayers; i++) {
      const L = (s: string): string => layerName(i, s);
      const bias = (proj: string): string | null => (c.attentionBias ? L(`self_attn.${proj}_proj.bias`) : null);
      const n1 = rmsNormForward(x, this.p(L('input_layernorm.weight')), norm).y;
      const q = ropeForward(await this.linear(n1, L('self_attn.q_proj.weight'), bias('q'), n), positions, { ...rope, heads: c.numAttentionHeads });
      const k = ropeForward(await this.linear(n1, L('self_attn.k_proj.weight'), bias('k'), n), positions, { ...rope, heads: c.numKeyValueHeads });
      const v = await this.linear(n1, L('self_attn.v_proj.weight'), bias('v'), n);
      const o = attentionForward(q, k, v, m, attn).o;
      const a = await this.linear(o, L('self_attn.o_proj.weight'), c.oProjBias ? L('self_attn.o_proj.bias') : null, n);
      const x1 = x.slice() as T;
      addInto(x1, a);
      const n2 = rmsNormForward(x1, this.p(L('post_attention_layernorm.weight')), norm).y;
      const gate = await this.linear(n2, L('mlp.gate_proj.weight'), null, n);
      const up = await this.linear(n2, L('mlp.up_proj.weight'), null, n);
      const h = swigluForward(gate, up);
      const d = await this.linear(h, L('mlp.down_proj.weight'), null, n);
      layers.push({ x, n1, q, k, v, o, x1, n2, gate, up, h });
      x = x1.slice() as T;
      addInto(x, d);
    }
    const nFinal = rmsNormForward(x, this.p('model.norm.weight'), norm).y;
    const logits = await this.linear(nFinal, c.tieWordEmbeddings ? EMBED : LM_HEAD, null, n);
    this.cache = { batch, seq, tokens: ids, mask: m, positions, layers, xFinal: x, nFinal };
    return logits;
  }

  /**
   * Gradients of a scalar loss with respect to every parameter, given dloss/dlogits [batch, seq,
   * vocab] of the last forward; same names and shapes as {@link weights} (tied: the embedding's
   * gradient is the sum of its lookup and LM-head uses). Also kept for {@link step}.
   */
  async backward(dlogits: T): Promise<DecoderTensors<T>> {
    const cache = this.cache;
    if (!cache) throw new DecoderModelError('backward: no forward to differentiate; call forward first');
    const c = this.config;
    const n = cache.batch * cache.seq;
    const hidden = c.hiddenSize;
    if (dlogits.length !== n * c.vocabSize) {
      throw new DecoderModelError(`dlogits: expected ${n * c.vocabSize} values ([batch ${cache.batch}, seq ${cache.seq}, vocab ${c.vocabSize}]), got ${dlogits.length}`);
    }
    const grads: DecoderTensors<T> = {};
    for (const s of this.specs) grads[s.name] = { shape: [...s.shape], data: this.alloc(this.params[s.name]!.data.length) };
    const norm = { rows: n, hidden, eps: c.rmsNormEps };
    const attn: AttentionDims = { batch: cache.batch, seq: cache.seq, numHeads: c.numAttentionHeads, numKvHeads: c.numKeyValueHeads, headDim: c.headDim };
    const rope = { tokens: n, headDim: c.headDim, theta: c.ropeTheta };

    const dnf = await this.linearBackward(dlogits, cache.nFinal, c.tieWordEmbeddings ? EMBED : LM_HEAD, null, n, grads);
    const fin = rmsNormBackward(dnf, cache.xFinal, this.p('model.norm.weight'), norm);
    addInto(grads['model.norm.weight']!.data, fin.dweight);
    let dx = fin.dx;
    for (let i = c.numHiddenLayers - 1; i >= 0; i--) {
      const L = (s: string): string => layerName(i, s);
      const bias = (proj: string): string | null => (c.attentionBias ? L(`self_attn.${proj}_proj.bias`) : null);
      const s = cache.layers[i]!;
      // x2 = x1 + down(h): dx flows to x1 unchanged and into the MLP.
      const dh = await this.linearBackward(dx, s.h, L('mlp.down_proj.weight'), null, n, grads);
      const { dgate, dup } = swigluBackward(dh, s.gate, s.up);
      const dn2 = await this.linearBackward(dgate, s.n2, L('mlp.gate_proj.weight'), null, n, grads);
      addInto(dn2, await this.linearBackward(dup, s.n2, L('mlp.up_proj.weight'), null, n, grads));
      const post = rmsNormBackward(dn2, s.x1, this.p(L('post_attention_layernorm.weight')), norm);
      addInto(grads[L('post_attention_layernorm.weight')]!.data, post.dweight);
      const dx1 = dx;
      addInto(dx1, post.dx);
      // x1 = x + o_proj(attn): same split.
      const dO = await this.linearBackward(dx1, s.o, L('self_attn.o_proj.weight'), c.oProjBias ? L('self_attn.o_proj.bias') : null, n, grads);
      const { dq, dk, dv } = attentionBackward(dO, s.q, s.k, s.v, cache.mask, attn);
      const dqLin = ropeBackward(dq, cache.positions, { ...rope, heads: c.numAttentionHeads });
      const dkLin = ropeBackward(dk, cache.positions, { ...rope, heads: c.numKeyValueHeads });
      const dn1 = await this.linearBackward(dqLin, s.n1, L('self_attn.q_proj.weight'), bias('q'), n, grads);
      addInto(dn1, await this.linearBackward(dkLin, s.n1, L('self_attn.k_proj.weight'), bias('k'), n, grads));
      addInto(dn1, await this.linearBackward(dv, s.n1, L('self_attn.v_proj.weight'), bias('v'), n, grads));
      const inp = rmsNormBackward(dn1, s.x, this.p(L('input_layernorm.weight')), norm);
      addInto(grads[L('input_layernorm.weight')]!.data, inp.dweight);
      addInto(dx1, inp.dx);
      dx = dx1;
    }
    // Tied: the LM head's share was already accumulated into the embedding's gradient above.
    addInto(grads[EMBED]!.data, embeddingBackward(dx, cache.tokens, { vocab: c.vocabSize, hidden }));
    this.gradients = grads;
    return grads;
  }

  /**
   * logprob of token t+1 given tokens ≤ t, [batch, seq − 1] (TRL's shifted convention), through the
   * reference log-softmax-gather. Entries whose target is padding are computed anyway; callers mask.
   * Runs a forward, so a following {@link backward} differentiates it (chain through the logits).
   */
  async tokenLogprobs(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<T> {
    const logits = await this.forward(tokens, mask, batch, seq);
    const ids = this.cache!.tokens;
    const v = this.config.vocabSize;
    const rows = allocLike(logits, batch * (seq - 1) * v);
    const targets = new Int32Array(batch * (seq - 1));
    for (let b = 0; b < batch; b++) {
      for (let s = 0; s + 1 < seq; s++) {
        const r = b * (seq - 1) + s;
        rows.set(logits.subarray((b * seq + s) * v, (b * seq + s + 1) * v), r * v);
        targets[r] = ids[b * seq + s + 1]!;
      }
    }
    return logSoftmaxGatherForward(rows, targets, { tokens: targets.length, vocab: v }).logprob;
  }

  /** Fresh zero AdamW moments for every parameter (step 0). */
  createAdamWState(): AdamWState<T> {
    const state: AdamWState<T> = { step: 0, m: {}, v: {} };
    for (const s of this.specs) {
      state.m[s.name] = this.alloc(this.params[s.name]!.data.length);
      state.v[s.name] = this.alloc(this.params[s.name]!.data.length);
    }
    return state;
  }

  /** One reference AdamW step on every parameter, from `grads` (default: the last {@link backward}'s); advances state.step. */
  step(state: AdamWState<T>, options: DecoderStepOptions, grads: DecoderTensors<T> | undefined = this.gradients): void {
    if (!grads) throw new DecoderModelError('step: no gradients; call backward first or pass them');
    for (const s of this.specs) {
      if (!grads[s.name]) throw new DecoderModelError(`step: gradient of ${s.name} missing`);
      if (!state.m[s.name] || !state.v[s.name]) throw new DecoderModelError(`step: AdamW state of ${s.name} missing`);
    }
    const t = state.step + 1;
    for (const s of this.specs) {
      const decays = options.decayNormsAndBiases === true || s.kind === 'linear' || s.kind === 'embedding';
      adamwStep(this.params[s.name]!.data, grads[s.name]!.data, state.m[s.name]!, state.v[s.name]!, t, decays ? options : { ...options, weightDecay: 0 });
    }
    state.step = t;
  }
}
